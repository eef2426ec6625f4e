import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { DEFAULT_MOTION } from '../vision/motion-gate.ts';
import { checkConfigFile, ConfigError, loadConfig, parseConfig } from './config.ts';

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const env = { WINK_API_KEY: 'edge-key-from-env' };

function minimal(): Tree {
  return {
    api_base: 'https://api.wink.test/',
    api_key: '${WINK_API_KEY}',
    org_id: 'org_demo',
    store_id: 'store_demo_001',
    cameras: [
      {
        camera_id: 'cam_entrance_01',
        rtsp: 'rtsp://admin:secret@10.0.0.5/stream1',
        capabilities: ['entrance', 'zones'],
        screenshot_size: [640, 480],
        entrance_line: [
          [0, 300],
          [640, 300],
        ],
        entrance_inside: 'left',
        zones: {
          electronics: [
            [10, 10],
            [200, 10],
            [200, 200],
          ],
        },
      },
      {
        camera_id: 'cam_checkout_01',
        rtsp: 'replay/checkout.mp4',
        api_key: 'own-checkout-key',
        capabilities: ['queue'],
        screenshot_size: [1280, 720],
        queues: {
          checkout_1: [
            [0, 0],
            [100, 0],
            [100, 100],
            [0, 100],
          ],
        },
      },
    ],
  };
}

function problemsOf(yamlText: string, environment: Record<string, string | undefined> = env): string[] {
  try {
    parseConfig(yamlText, environment);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

function withChange(change: (c: Tree) => void): string {
  const c = minimal();
  change(c);
  return dump(c);
}

describe('parseConfig', () => {
  describe('entrance counting and per-camera frame rate', () => {
    it('defaults: late counting, no margin, no door, the store-wide target_fps', () => {
      const [cam] = parseConfig(dump(minimal()), env).cameras;
      expect(cam).toMatchObject({ entrance_counting: 'late', entrance_margin_px: 0, target_fps: 5 });
      expect(cam.entrance_door).toBeUndefined();
    });

    it("takes a camera's own target_fps, counting mode, margin and door", () => {
      const cfg = parseConfig(
        withChange((c) => {
          Object.assign(c.cameras[0], { target_fps: 12.5, entrance_counting: 'late', entrance_margin_px: 6, entrance_door: 'auto' });
          c.cameras[1].target_fps = 2;
        }),
        env,
      );
      expect(cfg.cameras.map((c) => c.target_fps)).toEqual([12.5, 2]);
      expect(cfg.cameras[0]).toMatchObject({ entrance_counting: 'late', entrance_margin_px: 6, entrance_door: 'auto' });
    });

    it('takes entrance_door: none, also with each_crossing (it only turns the default off)', () => {
      const cfg = parseConfig(
        withChange((c) => {
          Object.assign(c.cameras[0], { entrance_counting: 'each_crossing', entrance_door: 'none' });
        }),
        env,
      );
      expect(cfg.cameras[0]).toMatchObject({ entrance_counting: 'each_crossing', entrance_door: 'none' });
    });

    it("motion gating: the store-wide block's defaults, a camera's own keys over them", () => {
      const cfg = parseConfig(
        withChange((c) => {
          c.motion = { threshold: 14 };
          c.cameras[1].motion = { enabled: false, refresh_s: 10 };
        }),
        env,
      );
      expect(cfg.motion).toEqual({ ...DEFAULT_MOTION, threshold: 14 });
      expect(cfg.cameras[0].motion).toEqual({ ...DEFAULT_MOTION, threshold: 14 });
      expect(cfg.cameras[1].motion).toEqual({ ...DEFAULT_MOTION, threshold: 14, enabled: false, refresh_s: 10 });
    });

    it.each([
      [(c: Tree) => (c.motion = { threshold: 0 }), 'motion.threshold: must be at least 1 grey levels'],
      [(c: Tree) => (c.motion = { min_area: 2 }), 'motion.min_area: must be at most 1'],
      [(c: Tree) => (c.cameras[0].motion = { refresh_s: 0 }), 'cameras[0].motion.refresh_s: must be at least 0.2 s'],
      [(c: Tree) => (c.cameras[0].motion = { enabled: 'yes' }), 'cameras[0].motion.enabled: must be true or false'],
      [(c: Tree) => (c.cameras[0].motion = { thresold: 9 }), 'cameras[0].motion.thresold: unknown key'],
    ])('refuses a bad motion key (%#)', (change, expected) => {
      expect(problemsOf(withChange(change))).toContain(expected);
    });

    it('replay: realtime by default; every_frame for a video file', () => {
      expect(parseConfig(dump(minimal()), env).cameras.map((c) => c.replay)).toEqual(['realtime', 'realtime']);
      const cfg = parseConfig(
        withChange((c) => {
          c.cameras[1].replay = 'every_frame';
        }),
        env,
      );
      expect(cfg.cameras[1]).toMatchObject({ source: 'file', replay: 'every_frame' });
    });

    it.each<[string, (c: Tree) => void, string]>([
      [
        'replay every_frame on a live camera',
        (c) => {
          c.cameras[0].replay = 'every_frame';
        },
        'cameras[0].replay: "every_frame" is for video files',
      ],
      [
        'an unknown replay mode',
        (c) => {
          c.cameras[1].replay = 'fast';
        },
        'cameras[1].replay: must be one of realtime, every_frame',
      ],
      [
        'unknown mode',
        (c) => {
          c.cameras[0].entrance_counting = 'twice';
        },
        'cameras[0].entrance_counting: must be one of late, each_crossing',
      ],
      [
        'negative margin',
        (c) => {
          c.cameras[0].entrance_margin_px = -1;
        },
        'cameras[0].entrance_margin_px:',
      ],
      [
        'door as a word',
        (c) => {
          c.cameras[0].entrance_door = 'front';
        },
        'cameras[0].entrance_door: must be "auto", "none" or a polygon',
      ],
      [
        'door with each_crossing',
        (c) => {
          Object.assign(c.cameras[0], { entrance_counting: 'each_crossing', entrance_door: 'auto' });
        },
        'cameras[0].entrance_door: needs entrance_counting: late',
      ],
      [
        'camera fps out of range',
        (c) => {
          c.cameras[1].target_fps = 0;
        },
        'cameras[1].target_fps:',
      ],
    ])('refuses %s', (_name, change, expected) => {
      expect(problemsOf(withChange(change)).some((p) => p.startsWith(expected))).toBe(true);
    });
  });

  it('accepts the minimal config and fills the defaults', () => {
    const cfg = parseConfig(dump(minimal()), env);
    expect(cfg.api_base).toBe('https://api.wink.test'); // trailing slash dropped so paths join cleanly
    expect(cfg.target_fps).toBe(5);
    expect(cfg.heartbeat_interval_s).toBe(30);
    expect(cfg.batch).toEqual({ max_events: 500, max_wait_ms: 2000 });
    expect(cfg.buffer).toEqual({ dir: './buffers', max_mb: 512 });
    expect(cfg.detector).toMatchObject({ input_size: 640, threads_per_camera: 1, format: 'yolov8' });
    expect(cfg.watchdog).toEqual({ stall_s: 30, max_restart_delay_s: 60 });
    const [entrance, checkout] = cfg.cameras;
    expect(entrance).toMatchObject({ api_key: 'edge-key-from-env', source: 'rtsp', min_shelf_dwell_s: 2.5, shelves: {}, queues: {} });
    expect(entrance.entrance_line).toEqual([
      [0, 300],
      [640, 300],
    ]);
    expect(checkout).toMatchObject({ api_key: 'own-checkout-key', source: 'file', zones: {} });
  });

  it.each<[string, (c: Tree) => void, string[]]>([
    [
      'an unknown top-level key',
      (c) => {
        c.api_url = 'x';
      },
      ['api_url: unknown key'],
    ],
    [
      'an unknown camera key',
      (c) => {
        c.cameras[1].zonez = {};
      },
      ['cameras[1].zonez: unknown key'],
    ],
    [
      'an unknown nested key',
      (c) => {
        c.batch = { max_events: 10, max_size: 3 };
      },
      ['batch.max_size: unknown key'],
    ],
    [
      'a missing store_id',
      (c) => {
        delete c.store_id;
      },
      ['store_id: is required'],
    ],
    [
      'a malformed api_base',
      (c) => {
        c.api_base = 'api.wink.test';
      },
      ['api_base: must be an http:// or https:// URL (e.g. https://api.example.com)'],
    ],
    [
      'an ftp api_base',
      (c) => {
        c.api_base = 'ftp://api.wink.test';
      },
      ['api_base: must be an http:// or https:// URL (e.g. https://api.example.com)'],
    ],
    [
      'a malformed RTSP URL',
      (c) => {
        c.cameras[0].rtsp = 'rtsp:/10.0.0.5/stream1';
      },
      ['cameras[0].rtsp: must be an rtsp:// URL (e.g. rtsp://user:pass@10.0.0.5/stream1) or a video file path'],
    ],
    [
      'an http camera URL',
      (c) => {
        c.cameras[0].rtsp = 'http://10.0.0.5/stream1';
      },
      ['cameras[0].rtsp: must be an rtsp:// URL (e.g. rtsp://user:pass@10.0.0.5/stream1) or a video file path'],
    ],
    [
      'a polygon with 2 points',
      (c) => {
        c.cameras[0].zones.electronics = [
          [0, 0],
          [5, 5],
        ];
      },
      ['cameras[0].zones.electronics: polygon needs at least 3 points'],
    ],
    [
      'a point outside screenshot_size',
      (c) => {
        c.cameras[1].queues.checkout_1[2] = [1300, 100];
      },
      ['cameras[1].queues.checkout_1[2]: point (1300, 100) is outside screenshot_size 1280x720'],
    ],
    [
      'an entrance point outside screenshot_size',
      (c) => {
        c.cameras[0].entrance_line[1] = [641, 300];
      },
      ['cameras[0].entrance_line[1]: point (641, 300) is outside screenshot_size 640x480'],
    ],
    [
      'a point that is not a pair',
      (c) => {
        c.cameras[0].zones.electronics[1] = [1, 2, 3];
      },
      ['cameras[0].zones.electronics[1]: must be a point [x, y]'],
    ],
    [
      'entrance without entrance_line',
      (c) => {
        delete c.cameras[0].entrance_line;
      },
      ['cameras[0].entrance_line: is required by capability "entrance"'],
    ],
    [
      'entrance without entrance_inside',
      (c) => {
        delete c.cameras[0].entrance_inside;
      },
      ['cameras[0].entrance_inside: is required by capability "entrance" (left or right of the line, walking from its first point to its second)'],
    ],
    [
      'zones without zones',
      (c) => {
        delete c.cameras[0].zones;
      },
      ['cameras[0].zones: is required by capability "zones"'],
    ],
    [
      'zones with an empty map',
      (c) => {
        c.cameras[0].zones = {};
      },
      ['cameras[0].zones: capability "zones" needs at least one polygon'],
    ],
    [
      'shelves without shelves',
      (c) => {
        c.cameras[1].capabilities.push('shelves');
      },
      ['cameras[1].shelves: is required by capability "shelves"'],
    ],
    [
      'queue without queues',
      (c) => {
        delete c.cameras[1].queues;
      },
      ['cameras[1].queues: is required by capability "queue"'],
    ],
    [
      'an unknown capability',
      (c) => {
        c.cameras[1].capabilities = ['queue', 'faces'];
      },
      ['cameras[1].capabilities[1]: must be one of entrance, zones, shelves, queue'],
    ],
    [
      'a repeated capability',
      (c) => {
        c.cameras[1].capabilities = ['queue', 'queue'];
      },
      ['cameras[1].capabilities[1]: "queue" is listed twice'],
    ],
    [
      'a duplicate camera id',
      (c) => {
        c.cameras[1].camera_id = 'cam_entrance_01';
      },
      ['cameras[1].camera_id: duplicate camera id "cam_entrance_01" (also cameras[0])'],
    ],
    [
      'a camera id unfit for a directory name',
      (c) => {
        c.cameras[1].camera_id = '../etc';
      },
      ['cameras[1].camera_id: may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit'],
    ],
    [
      'no key for a camera',
      (c) => {
        delete c.api_key;
      },
      ['cameras[0].api_key: is required (there is no top-level api_key to fall back to)'],
    ],
    [
      'a shelf dwell outside 2–3 s',
      (c) => {
        c.cameras[0].min_shelf_dwell_s = 5;
      },
      ['cameras[0].min_shelf_dwell_s: must be at most 3 s'],
    ],
    [
      'a bad entrance side',
      (c) => {
        c.cameras[0].entrance_inside = 'up';
      },
      ['cameras[0].entrance_inside: must be "left" or "right"'],
    ],
    [
      'a fractional batch size',
      (c) => {
        c.batch = { max_events: 2.5 };
      },
      ['batch.max_events: must be a whole number'],
    ],
    [
      'a batch above the ingest limit',
      (c) => {
        c.batch = { max_events: 5000 };
      },
      ['batch.max_events: must be at most 1000'],
    ],
    [
      'an input size off the 32 grid',
      (c) => {
        c.detector = { input_size: 600 };
      },
      ['detector.input_size: must be a multiple of 32'],
    ],
    [
      'no cameras',
      (c) => {
        c.cameras = [];
      },
      ['cameras: must list at least one camera'],
    ],
    [
      'a degenerate entrance line',
      (c) => {
        c.cameras[0].entrance_line = [
          [5, 5],
          [5, 5],
        ];
      },
      ['cameras[0].entrance_line: the two points must differ'],
    ],
  ])('rejects %s', (_what, change, expected) => {
    expect(problemsOf(withChange(change))).toEqual(expected);
  });

  it('reports every problem at once, one per line', () => {
    const yamlText = withChange((c) => {
      c.api_base = 'nope';
      c.cameras[0].zones.electronics = [[0, 0]];
      c.cameras[1].camera_id = 'cam_entrance_01';
      delete c.cameras[1].queues;
      c.cameras[1].name = 42; // a type error elsewhere must not hide the cross-field problems
    });
    let error: unknown;
    try {
      parseConfig(yamlText, env, 'config.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).problems].sort()).toEqual([
      'api_base: must be an http:// or https:// URL (e.g. https://api.example.com)',
      'cameras[0].zones.electronics: polygon needs at least 3 points',
      'cameras[1].camera_id: duplicate camera id "cam_entrance_01" (also cameras[0])',
      'cameras[1].name: must be a text value',
      'cameras[1].queues: is required by capability "queue"',
    ]);
    expect((error as Error).message.split('\n')).toHaveLength(6);
    expect((error as Error).message).toMatch(/^config\.yaml: invalid configuration\n/);
  });

  describe('environment variables', () => {
    it('substitutes ${VAR} and ${VAR:-default}, and $$ is a literal $', () => {
      const cfg = parseConfig(
        withChange((c) => {
          c.store_id = '${STORE:-store_fallback}';
          c.cameras[0].rtsp = 'rtsp://admin:${CAM_PASS}@10.0.0.5/stream1';
          c.cameras[1].name = 'Till $$1';
        }),
        { ...env, CAM_PASS: 'p@ss' },
      );
      expect(cfg.store_id).toBe('store_fallback');
      expect(cfg.cameras[0].rtsp).toBe('rtsp://admin:p@ss@10.0.0.5/stream1');
      expect(cfg.cameras[0].api_key).toBe('edge-key-from-env');
      expect(cfg.cameras[1].name).toBe('Till $1');
    });

    it('uses the default for an empty variable, like the shell', () => {
      expect(
        parseConfig(
          withChange((c) => {
            c.store_id = '${STORE:-s1}';
          }),
          { ...env, STORE: '' },
        ).store_id,
      ).toBe('s1');
    });

    it('names the key path and the variable when one is unset', () => {
      expect(
        problemsOf(
          withChange((c) => {
            c.cameras[1].api_key = '${CHECKOUT_KEY}';
          }),
        ),
      ).toEqual(['cameras[1].api_key: environment variable CHECKOUT_KEY is not set']);
      expect(problemsOf(dump(minimal()), {})).toEqual(['api_key: environment variable WINK_API_KEY is not set']);
      // only the one problem, not also "must be an http:// URL" for the leftover reference
      expect(
        problemsOf(
          withChange((c) => {
            c.api_base = '${WINK_API_BASE}';
          }),
        ),
      ).toEqual(['api_base: environment variable WINK_API_BASE is not set']);
    });

    it('checkConfigFile: unset variables apart (validate warns), every other problem still thrown', () => {
      const dir = mkdtempSync(join(tmpdir(), 'wink-check-'));
      const file = join(dir, 'config.yaml');
      writeFileSync(
        file,
        withChange((c) => {
          c.cameras[1].api_key = '${CHECKOUT_KEY}';
          c.api_base = '${WINK_API_BASE}';
        }),
      );
      expect(checkConfigFile(file, env)).toEqual({
        storeId: 'store_demo_001',
        cameras: 2,
        unsetEnv: ['api_base: environment variable WINK_API_BASE is not set', 'cameras[1].api_key: environment variable CHECKOUT_KEY is not set'],
      });
      writeFileSync(
        file,
        withChange((c) => {
          c.cameras[1].api_key = '${CHECKOUT_KEY}';
          c.target_fps = 500;
        }),
      );
      expect(() => checkConfigFile(file, env)).toThrow(/^[^\n]*invalid configuration\ntarget_fps: must be at most 30 fps$/);
    });

    it('rejects a malformed reference', () => {
      expect(
        problemsOf(
          withChange((c) => {
            c.org_id = '${not valid}';
          }),
        ),
      ).toEqual(['org_id: "${not valid}" is not a valid variable reference; write ${NAME} or ${NAME:-default}']);
    });
  });

  it('treats a blank key as absent', () => {
    const text = dump(minimal()).replace(/^api_key: .*$/m, 'api_key:');
    expect(problemsOf(text)).toEqual(['cameras[0].api_key: is required (there is no top-level api_key to fall back to)']);
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('api_base: https://x\ncameras: [\n');
    expect(problems).toEqual(['YAML syntax error at line 3, column 1: deficient indentation']);
    expect(problemsOf('a: 1\na: 2\n')[0]).toMatch(/^YAML syntax error at line 2, column 1: duplicated mapping key/);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- just\n- a list\n')).toEqual(['(root): must be a mapping of keys (api_base, org_id, store_id, cameras, ...)']);
  });
});

describe('loadConfig', () => {
  it('reads the file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wink-config-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, dump(minimal()));
    expect(loadConfig(path, env).cameras).toHaveLength(2);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadConfig('/nonexistent/config.yaml', env)).toThrow(/\/nonexistent\/config\.yaml: invalid configuration\ncannot read the file: ENOENT/);
  });

  it('accepts the shipped example config', () => {
    const path = new URL('../../config.example.yaml', import.meta.url);
    const cfg = parseConfig(readFileSync(path, 'utf8'), {
      WINK_CAM_PASSWORD: 'pw',
      WINK_KEY_CAM_ENTRANCE_01: 'k1',
      WINK_KEY_CAM_ZONE_01: 'k2',
      WINK_KEY_CAM_CHECKOUT_01: 'k3',
    });
    expect(cfg.cameras.map((c) => [c.camera_id, c.capabilities])).toEqual([
      ['cam_entrance_01', ['entrance', 'zones']],
      ['cam_zone_01', ['zones', 'shelves']],
      ['cam_checkout_01', ['queue']],
    ]);
  });
});
