// The README's commands must work as written: its curl walkthrough runs here, in bash, against a real server.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './test-app.ts';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const RUN_MARKER = '<!-- readme:run -->';

/** The ```bash blocks that follow a `<!-- readme:run -->` marker, in order. */
function runnableBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`${RUN_MARKER}\\s*\\n\`\`\`bash\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  for (const m of markdown.matchAll(re)) blocks.push(m[1]);
  return blocks;
}

const missingTool = ['bash', 'curl', 'jq'].find((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missingTool) console.warn(`README walkthrough test skipped: ${missingTool} is not installed`);
const describeWithTools = missingTool ? describe.skip : describe;

describe('README', () => {
  it('has its curl examples only in blocks the walkthrough runs', () => {
    const blocks = runnableBlocks(README);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const tested = blocks.join('\n');
    // Command lines only: `curl -…` at the start of a line or inside $( … ).
    const curlLines = README.split('\n').filter((l) => /(^\s*|\$\()curl\s+-/.test(l));
    expect(curlLines.length).toBeGreaterThan(10);
    for (const line of curlLines) expect(tested).toContain(line);
  });
});

describeWithTools('README walkthrough against a running server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('provisions a store, sends the guide events and reads them back, every command succeeding', async () => {
    const script = runnableBlocks(README).join('\n');
    // Asynchronous: the server under test runs in this very process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, WINK: t.baseUrl, ADMIN_TOKEN: TEST_ADMIN_TOKEN },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    if (r.status !== 0) console.log(`stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"accepted":4');
    expect(r.stdout).toMatch(/"footfall":1/);
    expect(r.stdout).toContain('"store_id":"store_acme_001"');
    expect(r.stdout).toMatch(/wink_ingest_events_total\{type="entrance",result="accepted"\} 1/);
  });
});
