import { waitFor } from './analytics/analytics-harness.ts';
import { guideBatch } from './guide-examples.ts';
import { provisionCamera, startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './test-app.ts';

describe('logs and metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ logLevel: 'info' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs JSON lines with a request id and never a key', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_log_001', cameraId: 'cam_1' });
    const res = await fetch(`${t.baseUrl}/api/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cam.apiKey}`, 'content-type': 'application/json', 'x-request-id': 'req-abc-123', connection: 'close' },
      body: JSON.stringify(guideBatch(cam)),
    });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    await t.call('POST', '/api/ingest/events', { token: 'wink_edge_unknownkey', body: guideBatch(cam) });

    const lines = t.logs.map((l) => JSON.parse(l));
    const ingestLog = lines.find((l) => l.req?.id === 'req-abc-123');
    expect(ingestLog).toMatchObject({ req: { method: 'POST', url: '/api/ingest/events', headers: { authorization: '[redacted]' } }, res: { statusCode: 200 } });
    const all = t.logs.join('\n');
    for (const secret of [cam.apiKey, TEST_ADMIN_TOKEN, 'wink_edge_unknownkey']) expect(all).not.toContain(secret);
    expect(lines.filter((l) => l.req).every((l) => typeof l.req.id === 'string' && l.req.id.length > 0)).toBe(true);
  });

  it('exposes Prometheus metrics: requests, ingest results, rejected batches', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_metrics_001', cameraId: 'cam_1' });
    await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam) });
    await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam) });
    await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: { ...guideBatch(cam), events: 'x' } });
    const r = await fetch(`${t.baseUrl}/metrics`, { headers: { connection: 'close' } });
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toMatch(/wink_ingest_events_total\{type="entrance",result="accepted"\} [1-9]/);
    expect(text).toMatch(/wink_ingest_events_total\{type="zone",result="duplicate"\} [1-9]/);
    expect(text).toMatch(/wink_ingest_rejected_batches_total\{status="400"\} 1/);
    expect(text).toMatch(/wink_http_requests_total\{method="POST",route="\/api\/ingest\/events",status="200"\} [2-9]/);
    expect(text).toContain('wink_process_resident_memory_bytes');
  });
});

describe('analytics metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ runWorkers: true, rollupDebounceMs: 100 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('exposes queue depth and the duration of the jobs the workers ran', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_jobs_001', cameraId: 'cam_1' });
    await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam, new Date(Date.now() - 3_600_000).toISOString()) });
    let text = '';
    // Waits on the rollup having run, not on a number of polls: a loaded machine may take a while to get to it.
    await waitFor(
      'a completed rollup in /metrics',
      async () => {
        text = await (await fetch(`${t.baseUrl}/metrics`, { headers: { connection: 'close' } })).text();
        return /wink_job_duration_seconds_count\{queue="analytics-rollup",outcome="completed"\} [1-9]/.test(text);
      },
      110_000,
    );
    expect(text).toMatch(/wink_queue_depth\{queue="analytics-rollup"\} \d+/);
    expect(text).toMatch(/wink_queue_depth\{queue="analytics-report"\} \d+/);
    expect(text).toMatch(/wink_queue_failed_jobs\{queue="analytics-report"\} 0/);
  }, 120_000);
});
