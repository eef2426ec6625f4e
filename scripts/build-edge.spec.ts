import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm run build:edge', () => {
  it('without DENORT_BIN fails at once and says exactly why', () => {
    const env = { ...process.env };
    delete env.DENORT_BIN;
    const r = spawnSync(process.execPath, ['scripts/build-edge.mjs'], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DENORT_BIN is not set');
    expect(r.stderr).toContain('deno compile needs the denort runtime');
  });

  it('refuses a DENORT_BIN that is not a file', () => {
    const r = spawnSync(process.execPath, ['scripts/build-edge.mjs'], { cwd: root, env: { ...process.env, DENORT_BIN: '/nonexistent/denort' }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DENORT_BIN=/nonexistent/denort is not a file');
  });
});
