// No Docker engine runs here, so the deployment files are checked statically: compose parses (with the
// docker compose / docker-compose CLI when installed), and every entry point they name exists in the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string) => readFileSync(join(root, f), 'utf8');
/** `dist/backend/src/x.js` (what npm run build writes) → the source it is compiled from. */
const sourceOf = (distPath: string) => distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');

interface Compose {
  services: Record<
    string,
    {
      image?: string;
      build?: { dockerfile: string };
      command?: string[];
      container_name?: string;
      restart?: string;
      volumes?: string[];
      depends_on?: Record<string, unknown>;
      environment?: Record<string, string>;
    }
  >;
}
/** `KEY=value` lines of an env file (comments and blanks skipped). */
const envFileKeys = (text: string) =>
  text
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')));

describe('docker-compose.v2.yml', () => {
  const compose = load(read('docker-compose.v2.yml')) as Compose;

  it('has the services of the deployment guide', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'wink-edge', 'worker']);
    expect(compose.services['wink-edge']).toMatchObject({
      container_name: 'wink-store-helper',
      restart: 'unless-stopped',
      build: { dockerfile: 'Dockerfile.edge' },
    });
    expect(compose.services.api.build).toMatchObject({ dockerfile: 'Dockerfile.backend' });
    expect(compose.services.worker.command).toEqual(['node', 'dist/worker.js']);
  });

  it('passes the edge one key per camera, the variables edge/config.example.yaml names, from .env.example', () => {
    const example = read('edge/config.example.yaml');
    const wanted = [...new Set([...example.matchAll(/^[^#\n]*\$\{([A-Z_][A-Z0-9_]*)\}/gm)].map((m) => m[1]))].sort();
    expect(wanted).toEqual(['WINK_CAM_PASSWORD', 'WINK_KEY_CAM_CHECKOUT_01', 'WINK_KEY_CAM_ENTRANCE_01', 'WINK_KEY_CAM_ZONE_01']);
    const edgeEnv = compose.services['wink-edge'].environment ?? {};
    expect(Object.keys(edgeEnv).sort()).toEqual(wanted);
    for (const name of wanted) expect(edgeEnv[name]).toBe(`\${${name}:-}`);
    // .env.example (the header's `cp .env.example .env`) lists every variable the file reads.
    expect(read('docker-compose.v2.yml')).toContain('cp .env.example .env');
    const composeLines = read('docker-compose.v2.yml')
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    const readByCompose = [...new Set([...composeLines.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]))].sort();
    expect(
      envFileKeys(read('.env.example'))
        .concat((read('.env.example').match(/^#([A-Z_][A-Z0-9_]*)=/gm) ?? []).map((l) => l.slice(1, -1)))
        .sort(),
    ).toEqual(readByCompose);
  });

  it('is run in the README with the CLI the check below uses', () => {
    const readme = read('README.md');
    expect(readme).toContain('docker compose -f docker-compose.v2.yml up -d postgres redis api worker');
    expect(readme).toContain('cp .env.example .env');
    expect(readme).toMatch(/older `docker-compose` \(v1\.28\+\)/);
  });

  it("section 3's walkthrough takes the admin token from the .env section 5 writes, as the API does", () => {
    const lines = read('README.md')
      .split('\n')
      .filter((l) => l.startsWith('export ADMIN_TOKEN='));
    expect(lines).toHaveLength(2);
    const dir = mkdtempSync(join(tmpdir(), 'wink-env-'));
    const token = (env: Record<string, string>) =>
      spawnSync('bash', ['-c', `${lines.join('\n')}\necho "$ADMIN_TOKEN"`], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env },
      }).stdout.trim();
    expect(token({})).toBe('wink-dev-admin-token');
    writeFileSync(join(dir, '.env'), read('.env.example').replace(/^ADMIN_TOKEN=$/m, 'ADMIN_TOKEN=from-dot-env-0123456789'));
    expect(token({})).toBe('from-dot-env-0123456789');
    expect(token({ ADMIN_TOKEN: 'from-the-shell-0123456789' })).toBe('from-the-shell-0123456789');
  });

  it('parses with the compose CLI (v2 `docker compose` as the README runs it, else v1 `docker-compose`)', () => {
    const cli = [['docker', 'compose'], ['docker-compose']].find(([bin, ...rest]) => spawnSync(bin, [...rest, 'version'], { encoding: 'utf8' }).status === 0);
    if (!cli) {
      console.warn('compose CLI check skipped: neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)');
      return;
    }
    const [bin, ...rest] = cli;
    if (bin === 'docker-compose') console.info('compose file parsed with docker-compose v1: Compose v2 (`docker compose`) is not installed here');
    const r = spawnSync(bin, [...rest, '-f', 'docker-compose.v2.yml', 'config', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, POSTGRES_PASSWORD: 'check', ADMIN_TOKEN: 'check-admin-token-0123' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const missing = spawnSync(bin, [...rest, '-f', 'docker-compose.v2.yml', 'config', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
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
    expect(links.map(([short]) => short).sort()).toEqual(['main.js', 'migrate.js', 'worker.js']);
    for (const [, target] of links) expect(existsSync(join(root, sourceOf(`dist/${target}`)))).toBe(true);
    const copied = [...d.matchAll(/^COPY (\S+) \.\/\S*$/gm)].map((m) => m[1]);
    for (const dir of copied) expect(existsSync(join(root, dir))).toBe(true);
    // The development tools (simulator, demo, embedded PostgreSQL) stay out of the image, and their packages
    // (devDependencies) are pruned before node_modules is copied into it.
    expect(copied).not.toContain('tools');
    expect(d).toMatch(/npm prune --omit=dev[\s\S]*COPY --from=build \S+ \/src\/node_modules/);
  });

  it('Dockerfile.edge: built with deno compile by the build script, run as a non-root user', () => {
    const d = read('Dockerfile.edge');
    expect(d).toContain('node scripts/build-edge.mjs');
    expect(d).toMatch(/^USER wink$/m);
    expect(d).toContain('CMD ["run", "/etc/wink/config.yaml"]');
  });

  it.each(['Dockerfile.backend', 'Dockerfile.edge'])('%s builds on a supported Node LTS (22 or 24), not on Node 20', (file) => {
    const nodeImages = [...read(file).matchAll(/^FROM (node:\S+)/gm)].map((m) => m[1]);
    expect(nodeImages.length).toBeGreaterThan(0);
    for (const image of nodeImages) expect(image).toMatch(/^node:(22|24)-bookworm-slim$/);
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
    expect(text).toContain('ExecStart=/opt/wink-edge/wink-edge run /etc/wink/config.yaml');
    expect(text).toMatch(/^StateDirectory=wink-edge$/m);
    // The service's own environment is checked: a variable missing from edge.env fails the start, naming it.
    expect(text).toContain('ExecStartPre=/opt/wink-edge/wink-edge validate --require-env /etc/wink/config.yaml');
  });

  it('the edge binary sits in a folder of its user in the image and under systemd alike (it unpacks its native libraries beside itself)', () => {
    const docker = read('Dockerfile.edge');
    const unit = read('edge/deploy/wink-edge.service');
    const entry = /^ENTRYPOINT \["(\S+)"\]$/m.exec(docker)![1];
    const folder = dirname(entry);
    expect(unit).toMatch(new RegExp(`^ExecStart=${entry} run `, 'm'));
    // The image: the folder created for wink, the binary copied in as wink.
    expect(docker).toMatch(new RegExp(`install -d -o wink -g wink ${folder}\\b`));
    expect(docker).toContain(`COPY --from=build --chown=wink:wink /src/dist/wink-edge ${entry}`);
    // systemd: the install steps create the same folder for wink, and ProtectSystem=strict leaves it writable.
    expect(unit).toMatch(new RegExp(`^#\\s+install -d -m 0755 -o wink -g wink ${folder}$`, 'm'));
    expect(unit).toMatch(new RegExp(`^#\\s+install -m 0755 -o wink -g wink dist/wink-edge ${entry}$`, 'm'));
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(new RegExp(`^ReadWritePaths=${folder}$`, 'm'));
    expect(unit).not.toContain('/usr/local/bin/wink-edge validate');
  });

  it('npm scripts and deployment name the same entry points', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts.start).toContain('node dist/backend/src/main.js');
    expect(scripts.worker).toContain('node dist/backend/src/worker.js');
    expect(scripts.migrate).toContain('node dist/backend/src/cli/migrate.js');
    // The development tools run from tools/, compiled next to the backend by the same build.
    for (const name of ['demo', 'dev', 'simulate', 'seed']) {
      const js = /node (dist\/tools\/cli\/\S+\.js)/.exec(scripts[name])?.[1];
      expect(js && existsSync(join(root, sourceOf(js)))).toBe(true);
    }
    expect(read('deploy/wink-api.service')).toContain('dist/backend/src/main.js');
    expect(read('deploy/wink-worker.service')).toContain('dist/backend/src/worker.js');
    // `sh -c` runs npm scripts: without exec, a SIGTERM to npm (a supervisor's stop) ends the shell, not node.
    for (const name of ['start', 'worker', 'dev', 'demo', 'simulate']) expect(scripts[name]).toMatch(/&& exec node dist\//);
  });
});
