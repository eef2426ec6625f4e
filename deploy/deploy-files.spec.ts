// No Docker engine runs here, so the deployment files are checked statically: compose parses (with the
// docker compose / docker-compose CLI when installed), and every entry point they name exists in the build.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string) => readFileSync(join(root, f), 'utf8');
/** `dist/backend/src/x.js` (what npm run build writes) → the source it is compiled from. */
const sourceOf = (distPath: string) => distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');

interface Compose { services: Record<string, { image?: string; build?: { dockerfile: string }; command?: string[]; container_name?: string; restart?: string; volumes?: string[]; depends_on?: Record<string, unknown> }> }

describe('docker-compose.v2.yml', () => {
  const compose = load(read('docker-compose.v2.yml')) as Compose;

  it('has the services of the deployment guide', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'wink-edge', 'worker']);
    expect(compose.services['wink-edge']).toMatchObject({ container_name: 'wink-store-helper', restart: 'unless-stopped', build: { dockerfile: 'Dockerfile.edge' } });
    expect(compose.services.api.build).toMatchObject({ dockerfile: 'Dockerfile.backend' });
    expect(compose.services.worker.command).toEqual(['node', 'dist/worker.js']);
  });

  it('parses with the compose CLI', () => {
    const cli = [['docker', 'compose'], ['docker-compose']].find(([bin, ...rest]) => spawnSync(bin, [...rest, 'version'], { encoding: 'utf8' }).status === 0);
    if (!cli) {
      console.warn('compose CLI check skipped: neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)');
      return;
    }
    const [bin, ...rest] = cli;
    const r = spawnSync(bin, [...rest, '-f', 'docker-compose.v2.yml', 'config', '--quiet'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, POSTGRES_PASSWORD: 'check', ADMIN_TOKEN: 'check-admin-token-0123' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const missing = spawnSync(bin, [...rest, '-f', 'docker-compose.v2.yml', 'config', '--quiet'], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('set POSTGRES_PASSWORD in .env');
  });
});

describe('Dockerfiles', () => {
  it('Dockerfile.backend: non-root, health check on /api/ingest/health, entry points that the build produces', () => {
    const d = read('Dockerfile.backend');
    expect(d).toMatch(/^USER wink$/m);
    expect(d).toMatch(/HEALTHCHECK[\s\S]*\/api\/ingest\/health/);
    expect(d).toContain('CMD ["node", "dist/main.js"]');
    const links = [...d.matchAll(/ln -s (backend\/src\/\S+\.js) dist\/(\S+\.js)/g)].map((m) => [m[2], m[1]]);
    expect(links.map(([short]) => short).sort()).toEqual(['main.js', 'migrate.js', 'seed.js', 'worker.js']);
    for (const [, target] of links) expect(existsSync(join(root, sourceOf(`dist/${target}`)))).toBe(true);
    for (const dir of [...d.matchAll(/^COPY (\S+) \.\/\S*$/gm)].map((m) => m[1])) expect(existsSync(join(root, dir))).toBe(true);
  });

  it('Dockerfile.edge: built with deno compile by the build script, run as a non-root user', () => {
    const d = read('Dockerfile.edge');
    expect(d).toContain('node scripts/build-edge.mjs');
    expect(d).toMatch(/^USER wink$/m);
    expect(d).toContain('CMD ["run", "/etc/wink/config.yaml"]');
  });
});

describe('systemd units', () => {
  it.each(['deploy/wink-api.service', 'deploy/wink-worker.service'])('%s starts files the build produces', (unit) => {
    const text = read(unit);
    expect(text).toMatch(/^Restart=always$/m);
    expect(text).toMatch(/^User=wink$/m);
    const started = [...text.matchAll(/^Exec\w+=\/usr\/bin\/node (dist\/\S+\.js)$/gm)].map((m) => m[1]);
    expect(started.length).toBeGreaterThan(0);
    for (const js of started) expect(existsSync(join(root, sourceOf(js)))).toBe(true);
  });

  it('edge/deploy/wink-edge.service runs the edge as its own user with its buffer directory', () => {
    const text = read('edge/deploy/wink-edge.service');
    expect(text).toMatch(/^Restart=always$/m);
    expect(text).toMatch(/^User=wink$/m);
    expect(text).toContain('ExecStart=/usr/local/bin/wink-edge run /etc/wink/config.yaml');
    expect(text).toMatch(/^StateDirectory=wink-edge$/m);
  });

  it('npm scripts and deployment name the same entry points', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts.start).toContain('node dist/backend/src/main.js');
    expect(scripts.worker).toContain('node dist/backend/src/worker.js');
    expect(scripts.migrate).toContain('node dist/backend/src/cli/migrate.js');
    expect(read('deploy/wink-api.service')).toContain('dist/backend/src/main.js');
    expect(read('deploy/wink-worker.service')).toContain('dist/backend/src/worker.js');
  });
});
