// `npm run demo` and `npm run dev` as a person (or a supervisor) runs them: the real npm, its shell and node,
// a throwaway database on the shared PostgreSQL and a redis-server that the command itself has to start
// (REDIS_URL names a free port). Every wait is on a condition; the generous limits cover the build.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { redisAnswersAt } from './redis-cluster-node.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'demo-e2e-admin-token-8c41f0';
const MINUTE = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every process below `pid` (children, grandchildren, …), from /proc. */
function descendants(pid: number): { pid: number; cmdline: string; environ: string }[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; cmdline: string; environ: string }[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      try {
        out.push({ pid: c, cmdline: readFileSync(`/proc/${c}/cmdline`, 'utf8').replace(/\0/g, ' '), environ: readFileSync(`/proc/${c}/environ`, 'utf8') });
      } catch {
        /* gone */
      }
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** The local addresses a TCP port is listened on, from /proc/net/tcp (hex, little-endian IPv4). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`))
    .map((f) =>
      f[1]
        .slice(0, 8)
        .match(/../g)!
        .reverse()
        .map((b) => parseInt(b, 16))
        .join('.'),
    );
}

interface Started {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm run <script>` in its own process group (as a terminal or a supervisor starts it). */
function npmRun(script: string, env: NodeJS.ProcessEnv): Started {
  const npm = spawn('npm', ['run', script], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
  return { npm, output: () => out, exited };
}

describe('npm run demo and npm run dev, as started from a shell or a supervisor', () => {
  const dbName = `wink_demo_e2e_${process.pid}_${Date.now().toString(36)}`;
  const started: Started[] = [];

  afterAll(async () => {
    // Only if a test failed half-way: end what it left (its own process groups), then the database.
    for (const s of started)
      if (s.npm.pid && alive(s.npm.pid))
        try {
          process.kill(-s.npm.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    const pg = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await pg.end();
  });

  const envFor = async () => {
    const [port, redisPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
    };
    return { env, port, redisPort };
  };

  it(
    'demo: history rolled up, a spike and the promotion reported before the address is printed; on 127.0.0.1, no secret in a command line; SIGTERM to npm stops all it started',
    async () => {
      const { env, port, redisPort } = await envFor();
      expect(await redisAnswersAt(redisPort)).toBe(false);
      const demo = npmRun('demo', env);
      started.push(demo);
      await until('the demo banner', () => /WINK demo is running/.test(demo.output()) || demo.npm.exitCode !== null, 8 * MINUTE, 500);
      const out = demo.output();
      mkdirSync(join(root, 'test-output'), { recursive: true });
      writeFileSync(join(root, 'test-output', 'demo.log'), out); // what a person sees, for reading after a run
      expect(out).toContain('WINK demo is running');

      // The spike panel's report: computed on rolled-up history, with the planted spike in it.
      const spikes = /spike report, last 7 days: (\d+) spike\(s\) in (\d+) rolled-up hours/.exec(out);
      expect(spikes).not.toBeNull();
      expect(Number(spikes![1])).toBeGreaterThanOrEqual(1);
      expect(Number(spikes![2])).toBeGreaterThan(7 * 8);
      // The promotion week, reported, and named in the address printed for the dashboard.
      const promo = /promotion report, (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d): footfall \+(\d+\.\d) %, conversion ([+-]\d+\.\d) %/.exec(out);
      expect(promo).not.toBeNull();
      expect(Number(promo![3])).toBeGreaterThan(10);
      // The simulated till sold more in the promotion week too (×1.15 conversion in the model).
      expect(Number(promo![4])).toBeGreaterThan(3);
      expect(out).toContain(`http://127.0.0.1:${port}/#/analytics?store=store_demo_001&promo_start=${promo![1]}&promo_end=${promo![2]}`);
      // The comparison ranks the organisation's three stores, each converting its own share (the branches ×1.3 and ×0.7).
      const compared = /comparison of (\d+) stores, last 7 days, by conversion: (.*)/.exec(out);
      expect(compared).not.toBeNull();
      expect(Number(compared![1])).toBe(3);
      const rates = [...compared![2].matchAll(/(store_demo_\d+) (\d+\.\d) %/g)].map((m) => [m[1], Number(m[2])] as const);
      expect(rates.map(([id]) => id)).toEqual(['store_demo_002', 'store_demo_001', 'store_demo_003']);
      expect(rates[0][1]).toBeGreaterThan(rates[1][1]);
      expect(rates[1][1]).toBeGreaterThan(rates[2][1]);
      const viewer = /Viewer token .*: (wink_view_\S+)/.exec(out)![1];

      // The API answers the viewer on 127.0.0.1 and listens there only.
      const live = await fetch(`http://127.0.0.1:${port}/api/dashboard/live?store_id=store_demo_001`, { headers: { authorization: `Bearer ${viewer}` } });
      expect(live.status).toBe(200);
      expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
      // The demo store's sales came in through the POS API: every open day of the last week has conversion.
      const week = await fetch(`http://127.0.0.1:${port}/api/dashboard/history?store_id=store_demo_001&from=${promo![1]}&to=${promo![2]}&granularity=day`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      const days = ((await week.json()) as { buckets: { sales: { conversion_rate: number | null } | null }[] }).buckets;
      expect(days.length).toBe(6);
      for (const d of days) expect(d.sales?.conversion_rate).toBeGreaterThan(0.1);

      // What it started: the API, the worker and a redis-server of its own; no secret on any command line.
      const procs = descendants(demo.npm.pid!);
      const redis = procs.find((p) => p.cmdline.startsWith('redis-server'));
      expect(redis).toBeDefined();
      expect(procs.filter((p) => /dist\/backend\/src\/(main|worker)\.js/.test(p.cmdline))).toHaveLength(2);
      expect(await redisAnswersAt(redisPort)).toBe(true);
      for (const p of procs) for (const secret of [ADMIN_TOKEN, viewer, 'wink_edge_', 'wink_pos_']) expect(p.cmdline).not.toContain(secret);
      expect(procs.some((p) => p.environ.includes(`ADMIN_TOKEN=${ADMIN_TOKEN}`))).toBe(true);

      // A supervisor's stop: SIGTERM to the npm process alone reaches node (npm's script execs it), which stops everything.
      process.kill(demo.npm.pid!, 'SIGTERM');
      expect(await demo.exited).toBe(0);
      await until('every process the demo started to end', () => procs.every((p) => !alive(p.pid)), MINUTE);
      expect(await redisAnswersAt(redisPort)).toBe(false);
      expect(demo.output()).toContain('[demo] stopped');
    },
    10 * MINUTE,
  );

  it('leaves one live edge key per demo camera, one demo viewer key and one demo POS key (no extra keys for its own traffic)', async () => {
    const pg = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${dbName}` });
    await pg.connect();
    try {
      const live = async (table: string, where: string) =>
        (await pg.query(`SELECT count(*)::int AS n FROM ${table} WHERE revoked_at IS NULL AND ${where}`)).rows[0].n;
      // After one demo run: one live key per demo camera and one live demo viewer key.
      expect(await live('edge_keys', "store_id = 'store_demo_001'")).toBe(3);
      expect(await live('viewer_keys', "name = 'npm run demo'")).toBe(1);
      expect(await live('pos_keys', "name = 'npm run demo'")).toBe(1);
    } finally {
      await pg.end();
    }
  });

  it(
    'dev: Ctrl-C (SIGINT to the whole process group) stops the API and the redis-server it started',
    async () => {
      const { env, port, redisPort } = await envFor();
      const dev = npmRun('dev', env);
      started.push(dev);
      await until(
        'the API to answer',
        async () => {
          if (dev.npm.exitCode !== null) throw new Error(`npm run dev exited early:\n${dev.output()}`);
          try {
            return (await fetch(`http://127.0.0.1:${port}/api/ingest/health`)).ok;
          } catch {
            return false;
          }
        },
        5 * MINUTE,
        500,
      );
      const procs = descendants(dev.npm.pid!);
      expect(procs.some((p) => p.cmdline.startsWith('redis-server'))).toBe(true);
      process.kill(-dev.npm.pid!, 'SIGINT');
      await dev.exited;
      await until('every process npm run dev started to end', () => procs.every((p) => !alive(p.pid)), MINUTE);
      expect(await redisAnswersAt(redisPort)).toBe(false);
    },
    8 * MINUTE,
  );
});
