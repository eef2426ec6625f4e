// Fault scenario "edge outbox under SIGKILL" (issue #12), for edge/test/outbox-kill.e2e.spec.ts and
// `npm run bench:faults`. Real parts only: the edge's outbox runs in a child process (Deno, the product
// runtime; Node with the TypeScript hooks where Deno is missing) and emits numbered events at a steady
// rate to a backend behind a proxy that can hang or refuse; the child is SIGKILLed mid-stream, restarted
// on the same buffer directory, emits a few more, and the rows the backend stored are counted against
// what the child reported as emitted: lost, doubled, out of order, per camera.
//
// The backend is the caller's (the real one, or any stand-in): it passes the address, the cameras and how
// to read back the person_key of the rows stored for a camera, in the order they were stored.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwitchableProxy } from './switchable-proxy.ts';

export interface KillTarget {
  apiBase: string;
  orgId: string;
  storeId: string;
  cameras: Array<{ cameraId: string; apiKey: string }>;
  /** The person_key of every row stored for the camera, in the order they were stored. */
  storedKeys(cameraId: string): Promise<string[]>;
}

export interface KillOptions {
  /** The backend when the edge is killed: answering, hung (requests never answered) or refusing connections. */
  backend: 'up' | 'hung' | 'down';
  eventsPerSecond?: number;
  /** Events per camera emitted before the kill (with the backend hung: emitted while it hangs). */
  eventsBeforeKill?: number;
  eventsAfterRestart?: number;
  /** batch.max_events and batch.max_wait_ms of the edge (defaults: the edge's own). */
  maxEvents?: number;
  maxWaitMs?: number;
  requestTimeoutMs?: number;
  runtime?: 'deno' | 'node';
  /** The buffer directory (a fresh temporary one by default). */
  dir?: string;
  /** Give up waiting for any step after this long. */
  stepTimeoutMs?: number;
}

export interface CameraTally {
  cameraId: string;
  /** Events the child reported as accepted by its outbox (both runs). */
  emitted: number;
  /** Rows stored for them. */
  stored: number;
  lost: number;
  doubled: number;
  /** Rows stored before a row of an earlier event. */
  outOfOrder: number;
}

export interface KillResult {
  scenario: 'edge outbox under SIGKILL';
  backend: KillOptions['backend'];
  runtime: 'deno' | 'node';
  cameras: CameraTally[];
  seconds: number;
}

/** What the child process is told (outbox-emitter.ts). */
export interface EmitterSpec {
  apiBase: string;
  orgId: string;
  storeId: string;
  cameras: Array<{ cameraId: string; apiKey: string }>;
  /** The buffer directory (a subdirectory per camera, like the edge's buffer.dir). */
  dir: string;
  /** Tag of this run: person_key is `<run>:<n>`. */
  run: string;
  eventsPerSecond: number;
  /** Stop emitting after this many events per camera (the outboxes keep delivering). */
  maxEventsPerCamera?: number;
  maxEvents: number;
  maxWaitMs: number;
  requestTimeoutMs: number;
}

export const emittedFile = (dir: string, cameraId: string, run: string) => join(dir, `${cameraId}.${run}.emitted`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = join(root, 'node_modules', '.bin', 'deno');

export async function outboxKillScenario(target: KillTarget, options: KillOptions): Promise<KillResult> {
  const started = Date.now();
  const runtime = options.runtime ?? (existsSync(deno) ? 'deno' : 'node');
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wink-outbox-kill-'));
  const perSecond = options.eventsPerSecond ?? 20;
  const beforeKill = options.eventsBeforeKill ?? 60;
  const afterRestart = options.eventsAfterRestart ?? 20;
  const timeoutMs = options.stepTimeoutMs ?? 60_000;
  const until = (what: string, cond: () => boolean | Promise<boolean>) => waitFor(what, cond, timeoutMs);
  const proxy = new SwitchableProxy(Number(new URL(target.apiBase).port));
  await proxy.up();
  const spec = (run: string, maxEventsPerCamera?: number): EmitterSpec => ({
    apiBase: proxy.url,
    orgId: target.orgId,
    storeId: target.storeId,
    cameras: target.cameras,
    dir,
    run,
    eventsPerSecond: perSecond,
    maxEventsPerCamera,
    maxEvents: options.maxEvents ?? 500,
    maxWaitMs: options.maxWaitMs ?? 2000,
    requestTimeoutMs: options.requestTimeoutMs ?? 2000,
  });
  const emitted = (run: string) => target.cameras.map((c) => readLines(emittedFile(dir, c.cameraId, run)).length);
  const everyCamera = (run: string, atLeast: number) => Math.min(...emitted(run)) >= atLeast;
  const somethingStored = async () => (await Promise.all(target.cameras.map((c) => target.storedKeys(c.cameraId)))).every((k) => k.length > 0);
  let child: Emitter | null = null;
  try {
    // 1. Emit, take the backend into the state asked for, and kill the edge mid-stream.
    child = await startEmitter(runtime, spec('r1'), timeoutMs);
    if (options.backend === 'down') await proxy.down();
    else await until('the first events stored', somethingStored);
    const base = Math.max(...emitted('r1'));
    if (options.backend === 'hung') proxy.hang();
    await until(`${beforeKill} more events per camera`, () => everyCamera('r1', base + beforeKill));
    child.process.kill('SIGKILL');
    await child.exited;
    child = null;

    // 2. The backend back, the edge restarted on the same buffers: a few more events, then everything drains.
    if (options.backend === 'hung') proxy.resume();
    if (options.backend === 'down') await proxy.up();
    const restarted = await startEmitter(runtime, spec('r2', afterRestart), timeoutMs);
    child = restarted;
    // Drained: nothing left in any log; a stop (SIGTERM: the outbox's own flush) then settles anything in
    // flight, so no row can arrive after the count.
    await until('every event emitted and every log empty', () => everyCamera('r2', afterRestart) && restarted.allDrained(target.cameras.length));
    restarted.process.kill('SIGTERM');
    await restarted.exited;
    child = null;

    const r1 = emitted('r1');
    const cameras = await Promise.all(target.cameras.map(async (c, i) => tally(c.cameraId, r1[i], afterRestart, await target.storedKeys(c.cameraId))));
    return { scenario: 'edge outbox under SIGKILL', backend: options.backend, runtime, cameras, seconds: (Date.now() - started) / 1000 };
  } finally {
    if (child) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    proxy.resume();
    await proxy.down();
  }
}

/**
 * Rows against the events reported: run r1 emitted 0…r1-1, run r2 0…r2-1. One more r1 event may be stored
 * than reported (killed after it reached the log, before its number was written): not a loss, not a double.
 */
export function tally(cameraId: string, r1: number, r2: number, keys: readonly string[]): CameraTally {
  const expected = [...range('r1', r1), ...range('r2', r2)];
  const seen = new Set(keys);
  const rank = (key: string) => (key.startsWith('r2:') ? 1e9 : 0) + Number(key.slice(3));
  return {
    cameraId,
    emitted: expected.length,
    stored: expected.filter((k) => seen.has(k)).length,
    lost: expected.filter((k) => !seen.has(k)).length,
    doubled: keys.length - seen.size,
    outOfOrder: keys.filter((k, i) => i > 0 && rank(k) < rank(keys[i - 1])).length,
  };
}

const range = (run: string, n: number) => Array.from({ length: n }, (_, i) => `${run}:${i}`);

interface Emitter {
  process: ChildProcess;
  exited: Promise<void>;
  /** Every camera has reported 0 events left since the last event was emitted. */
  allDrained(cameras: number): boolean;
}

async function startEmitter(runtime: 'deno' | 'node', spec: EmitterSpec, timeoutMs: number): Promise<Emitter> {
  const script = join(root, 'edge/test/outbox-emitter.ts');
  const args = runtime === 'deno' ? [deno, 'run', '--allow-all', script] : [process.execPath, ...nodeTypeScriptArgs(), script];
  const child = spawn(args[0], [...args.slice(1), JSON.stringify(spec)], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const buffered = () => {
    const last = new Map<string, number>();
    const since = out.indexOf('emitted all\n');
    if (since < 0) return last;
    for (const m of out.slice(since).matchAll(/^buffered (\S+) (\d+)$/gm)) last.set(m[1], Number(m[2]));
    return last;
  };
  await waitFor(`the emitter to start (stderr: ${err.slice(-500)})`, () => out.includes('ready\n') || child.exitCode !== null, timeoutMs);
  if (!out.includes('ready\n')) throw new Error(`the emitter exited: ${err.slice(-2000)}`);
  return {
    process: child,
    exited,
    allDrained: (cameras) => {
      const last = buffered();
      return last.size === cameras && [...last.values()].every((n) => n === 0);
    },
  };
}

/** Node 20 runs .ts only with the repository's TypeScript hooks (see edge/src/runtime/typescript-hooks.mjs). */
function nodeTypeScriptArgs(): string[] {
  const hooks = new URL('../src/runtime/typescript-hooks.mjs', import.meta.url).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}

function readLines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
