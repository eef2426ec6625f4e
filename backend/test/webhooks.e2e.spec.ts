import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { WebhookPayload } from '../../shared/src/alerts.ts';
import { AlertsService } from '../src/alerts/alerts.service.ts';
import { WebhookPublisher } from '../src/webhooks/webhook-publisher.service.ts';
import { WEBHOOK_QUEUE } from '../src/webhooks/webhooks.queues.ts';
import { waitFor } from './analytics/analytics-harness.ts';
import { startTestApp, type TestApp } from './test-app.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const DOC = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
const MISSING = '00000000-0000-4000-8000-000000000000';

/** The verification code exactly as docs/webhooks.md shows it, loaded as a module. */
async function documentedVerifier(): Promise<(secret: string, header: string, rawBody: string | Buffer, toleranceSeconds?: number) => boolean> {
  const code = /<!-- webhooks:verify-node -->\n```js\n([\s\S]*?)```/.exec(DOC)?.[1];
  if (!code) throw new Error('docs/webhooks.md: no verify-node block');
  const file = join(tmpdir(), `wink-verify-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)).verifyWinkSignature;
}

/** The documented Python line, run by python3 on the raw bytes; null when python3 is not installed. */
function pythonVerifies(secret: string, header: string, rawBody: string): boolean | null {
  const line = /<!-- webhooks:verify-python -->\n```python\n([\s\S]*?)\n```/.exec(DOC)?.[1];
  if (!line) throw new Error('docs/webhooks.md: no verify-python block');
  const script = [
    'import hashlib, hmac, os, sys',
    'secret = os.environ["SECRET"]',
    'parts = dict(kv.split("=", 1) for kv in os.environ["HEADER"].split(","))',
    't, v1 = parts["t"], parts["v1"]',
    'raw_body = sys.stdin.buffer.read()',
    `print(${line})`,
  ].join('\n');
  try {
    return (
      execFileSync('python3', ['-c', script], { input: rawBody, env: { ...process.env, SECRET: secret, HEADER: header } })
        .toString()
        .trim() === 'True'
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Small backoff so retries happen within a test: 100 ms doubling for up to 120 s (11 attempts, the first five within
 * 1.5 s), room to spare for a loaded machine where the outage test's waits let more attempts fail.
 */
const FAST = { runWorkers: true, webhookRetryBaseMs: 100, webhookRetryMaxSeconds: 120, webhookTimeoutMs: 2000 };

async function newOrg(t: TestApp, name: string): Promise<string> {
  const r = await t.admin('POST', '/api/admin/orgs', { name });
  return r.body.id;
}

async function addEndpoint(t: TestApp, orgId: string, url: string): Promise<{ endpoint_id: string; secret: string }> {
  const r = await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks`, { url });
  if (r.status !== 201) throw new Error(`endpoint: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A row of GET …/webhooks/deliveries. */
interface LoggedDelivery {
  delivery_id: string;
  endpoint_id: string;
  type: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  latency_ms: number | null;
  payload: WebhookPayload;
}

async function deliveries(t: TestApp, orgId: string, query = ''): Promise<LoggedDelivery[]> {
  const r = await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/deliveries${query}`);
  if (r.status !== 200) throw new Error(`deliveries: ${JSON.stringify(r.body)}`);
  return r.body.deliveries;
}

describe('Webhooks (real PostgreSQL, Redis and HTTP receiver)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ ...FAST, webhookDisableAfterFailures: 1000 });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.down();
    await t?.close();
  });

  it('admin API: secret shown once, 400 naming the field, another organisation 404 like a missing one', async () => {
    const orgId = await newOrg(t, 'Acme Retail');
    const other = await newOrg(t, 'Other Retail');
    const base = `/api/admin/orgs/${orgId}/webhooks`;

    const created = await t.admin('POST', base, { url: 'https://hooks.example.com/wink', description: 'store ops' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      org_id: orgId,
      url: 'https://hooks.example.com/wink',
      description: 'store ops',
      enabled: true,
      consecutive_failures: 0,
    });
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id: string = created.body.endpoint_id;
    for (const url of ['http://127.0.0.1:9/x', 'http://[::1]:9/x', 'http://localhost:9/x']) expect((await t.admin('POST', base, { url })).status).toBe(201);

    const bad = [
      [{ url: 'http://hooks.example.com/wink' }, 'url', 'url: must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)'],
      [{ url: 'ftp://127.0.0.1/x' }, 'url', 'url: must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)'],
      [{ url: 'not a url' }, 'url', 'url: must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)'],
      [{}, 'url', 'url: is required'],
      [{ url: 'https://h.example.com', description: '' }, 'description', 'description: must not be empty'],
      [{ url: 'https://h.example.com', secret: 'mine' }, 'secret', undefined],
    ] as const;
    for (const [body, field, message] of bad) {
      const r = await t.admin('POST', base, body);
      expect([body, r.status, r.body.field]).toEqual([body, 400, field]);
      if (message) expect(r.body.message).toBe(message);
    }
    const badQuery = await t.admin('GET', `${base}/deliveries?state=lost`);
    expect([badQuery.status, badQuery.body.field]).toEqual([400, 'state']);

    // The secret never comes back: not in the list, the endpoint, the delivery log nor a rotation's later reads.
    const list = await t.admin('GET', base);
    expect(list.body.endpoints).toHaveLength(4);
    expect(list.body.endpoints[0]).toMatchObject({ endpoint_id: id, secret_prefix: `${secret.slice(0, 10)}…` });
    const one = await t.admin('GET', `${base}/${id}`);
    expect(one.body.endpoint_id).toBe(id);
    for (const r of [list, one, await t.admin('GET', `${base}/deliveries`)]) {
      expect(JSON.stringify(r.body)).not.toContain(secret);
      expect(JSON.stringify(r.body)).not.toMatch(/"secret"/);
    }
    const rotated = await t.admin('POST', `${base}/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect(JSON.stringify((await t.admin('GET', `${base}/${id}`)).body)).not.toContain(rotated.body.secret);

    // Another organisation's endpoint is exactly as absent as a missing one, for every call.
    const otherBase = `/api/admin/orgs/${other}/webhooks`;
    const calls: [string, string][] = [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/enable'],
      ['POST', '/disable'],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
    ];
    for (const [method, suffix] of calls) {
      const foreign = await t.admin(method, `${otherBase}/${id}${suffix}`);
      const missing = await t.admin(method, `${otherBase}/${MISSING}${suffix}`);
      expect([method, suffix, foreign.status]).toEqual([method, suffix, 404]);
      expect(foreign.body.message.replace(id, 'ID')).toBe(missing.body.message.replace(MISSING, 'ID'));
    }
    expect((await t.admin('GET', `${otherBase}/deliveries?endpoint_id=${id}`)).status).toBe(404);
    expect((await t.admin('GET', `${otherBase}/not-a-uuid`)).status).toBe(404);
    expect((await t.admin('GET', `/api/admin/orgs/${MISSING}/webhooks`)).body.field).toBe('org_id');
    expect((await t.call('GET', base, { token: null })).status).toBe(401);

    // Disable / enable / delete on the owner's side.
    const off = await t.admin('POST', `${base}/${id}/disable`);
    expect(off.body).toMatchObject({ enabled: false, disabled_reason: 'disabled by the admin API' });
    expect((await t.admin('POST', `${base}/${id}/test`)).status).toBe(409);
    const on = await t.admin('POST', `${base}/${id}/enable`);
    expect(on.body).toMatchObject({ enabled: true, disabled_at: null, disabled_reason: null, consecutive_failures: 0 });
    expect((await t.admin('DELETE', `${base}/${id}`)).body).toEqual({ endpoint_id: id, deleted: true });
    expect((await t.admin('GET', `${base}/${id}`)).status).toBe(404);
  });

  it('signs each delivery: the documented Node code (and Python line) verify it, a changed body or secret does not', async () => {
    const orgId = await newOrg(t, 'Signed Retail');
    const { endpoint_id, secret } = await addEndpoint(t, orgId, receiver.url);
    const sent = await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${endpoint_id}/test`);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ delivery_id: expect.any(String), endpoint_id, type: 'webhook.test' });
    await waitFor('the test delivery', async () => receiver.received.some((r) => r.deliveryId === sent.body.delivery_id));
    const got = receiver.received.find((r) => r.deliveryId === sent.body.delivery_id)!;

    expect(got.headers['content-type']).toBe('application/json');
    expect(got.payload).toEqual({ id: sent.body.delivery_id, type: 'webhook.test', org_id: orgId, store_id: null, time: expect.any(String), alert: null });
    expect(got.signature).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);

    const verify = await documentedVerifier();
    expect(verify(secret, got.signature, got.rawBody)).toBe(true);
    expect(verify(secret, got.signature, Buffer.from(got.rawBody))).toBe(true);
    expect(verify(secret, got.signature, got.rawBody.replace('webhook.test', 'alert.fired'))).toBe(false);
    expect(verify(`${secret}x`, got.signature, got.rawBody)).toBe(false);
    expect(verify(secret, got.signature, JSON.stringify(JSON.parse(got.rawBody), null, 1))).toBe(false);
    expect(
      verify(
        secret,
        got.signature.replace(/t=(\d+)/, (_, s) => `t=${Number(s) - 600}`),
        got.rawBody,
      ),
    ).toBe(false);
    expect(verify(secret, 'v1=abc', got.rawBody)).toBe(false);
    const py = pythonVerifies(secret, got.signature, got.rawBody);
    if (py !== null) {
      expect(py).toBe(true);
      expect(pythonVerifies(secret, got.signature, `${got.rawBody} `)).toBe(false);
    }

    // After a rotation, attempts are signed with the new secret.
    const rotated = (await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${endpoint_id}/rotate-secret`)).body.secret as string;
    const again = (await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${endpoint_id}/test`)).body.delivery_id as string;
    await waitFor('the second test delivery', async () => receiver.received.some((r) => r.deliveryId === again));
    // The receiver records a request before answering it; the row says delivered after the answer.
    await waitFor('the second delivery logged', async () =>
      (await deliveries(t, orgId, `?endpoint_id=${endpoint_id}&state=delivered`)).some((d) => d.delivery_id === again),
    );
    const second = receiver.received.find((r) => r.deliveryId === again)!;
    expect(verify(rotated, second.signature, second.rawBody)).toBe(true);
    expect(verify(secret, second.signature, second.rawBody)).toBe(false);

    const [logged] = await deliveries(t, orgId, `?endpoint_id=${endpoint_id}&state=delivered&limit=1`);
    expect(logged).toMatchObject({ delivery_id: again, type: 'webhook.test', state: 'delivered', attempts: 1, last_status: 200, last_error: null });
    expect(logged.latency_ms).toBeGreaterThanOrEqual(0);
    expect(logged.payload.id).toBe(again);
  });

  it('receiver down (port closed, then 503) and back: every delivery arrives exactly once as 2xx', async () => {
    const orgId = await newOrg(t, 'Outage Retail');
    const flaky = await WebhookReceiver.start();
    try {
      await addEndpoint(t, orgId, flaky.url);
      await flaky.down();
      const publisher = t.app.get(WebhookPublisher);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const rows = await publisher.publish({ type: 'webhook.test', org_id: orgId, store_id: null, time: new Date().toISOString(), alert: null });
        ids.push(...rows.map((r) => r.delivery_id));
      }
      expect(ids).toHaveLength(6);

      // Down: connections refused, each delivery retried.
      await waitFor('two refused attempts of every delivery', async () => (await deliveries(t, orgId)).every((d) => d.attempts >= 2));
      const refused = await deliveries(t, orgId);
      for (const d of refused) expect(d).toMatchObject({ state: 'pending', last_status: null, last_error: expect.stringMatching(/ECONNREFUSED/) });

      // Up but failing: 503 answers are logged with their status and retried.
      flaky.answer(503);
      await flaky.up();
      await waitFor('a 503 for every delivery', async () => ids.every((id) => flaky.received.some((r) => r.deliveryId === id && r.answered === 503)));
      expect((await deliveries(t, orgId)).every((d) => d.state === 'pending' && (d.last_status === 503 || d.last_status === null))).toBe(true);

      flaky.answer(200);
      await waitFor('every delivery delivered', async () => (await deliveries(t, orgId)).every((d) => d.state === 'delivered'));
      const ok = flaky.okCounts();
      expect([...ok.keys()].sort()).toEqual([...ids].sort());
      expect([...ok.values()].every((n) => n === 1)).toBe(true);
      const log = await deliveries(t, orgId);
      for (const d of log) {
        expect(d).toMatchObject({ state: 'delivered', last_status: 200, last_error: null });
        // Every attempt is in the log: the refused ones, the 503s and the 2xx.
        const seen = flaky.received.filter((r) => r.deliveryId === d.delivery_id).length;
        expect(d.attempts).toBeGreaterThanOrEqual(seen + 2);
      }
      // The endpoint's failure streak ended with the first 2xx.
      const [endpoint] = (await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks`)).body.endpoints;
      expect(endpoint).toMatchObject({ enabled: true, consecutive_failures: 0 });
    } finally {
      await flaky.down();
    }
  });

  it('a second enqueue of the same delivery is a no-op (job id = delivery id)', async () => {
    const orgId = await newOrg(t, 'Idempotent Retail');
    const slow = await WebhookReceiver.start();
    try {
      slow.answer(503);
      await addEndpoint(t, orgId, slow.url);
      const publisher = t.app.get(WebhookPublisher);
      const queue = t.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
      const [{ delivery_id }] = await publisher.publish({ type: 'webhook.test', org_id: orgId, store_id: null, time: new Date().toISOString(), alert: null });
      await waitFor('a first refused attempt', async () => slow.received.length >= 1);
      for (let i = 0; i < 5; i++) await publisher.enqueue([delivery_id, delivery_id]);
      const jobs = (await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized'])).filter((j) => j.id === delivery_id);
      expect(jobs).toHaveLength(1);

      slow.answer(200);
      await waitFor('the delivery', async () => (await deliveries(t, orgId))[0].state === 'delivered');
      // BullMQ marks the job completed after the attempt returns, a moment after the row says delivered.
      await waitFor('the job completed', async () => (await queue.getJobState(delivery_id)) === 'completed');
      const finished = await queue.getJob(delivery_id);
      expect(finished?.finishedOn).toBeDefined();
      // Once delivered, enqueueing it again (or the redrive) adds nothing: the completed job keeps its id.
      await publisher.enqueue([delivery_id]);
      await publisher.redrive(0);
      const after = await queue.getJob(delivery_id);
      expect([after?.finishedOn, after?.attemptsMade, await after?.getState()]).toEqual([finished?.finishedOn, finished?.attemptsMade, 'completed']);
      const [d] = await deliveries(t, orgId);
      expect(slow.okCounts().get(delivery_id)).toBe(1);
      // One job: its attempts are exactly the requests the receiver saw.
      expect(d.attempts).toBe(slow.received.length);
    } finally {
      await slow.down();
    }
  });
  it('a delivery whose job Redis lost is enqueued again by the redrive, and still arrives once', async () => {
    const orgId = await newOrg(t, 'Redrive Retail');
    const lost = await WebhookReceiver.start();
    try {
      lost.answer(503);
      await addEndpoint(t, orgId, lost.url);
      const publisher = t.app.get(WebhookPublisher);
      const queue = t.app.get<Queue>(getQueueToken(WEBHOOK_QUEUE));
      const [{ delivery_id }] = await publisher.publish({ type: 'webhook.test', org_id: orgId, store_id: null, time: new Date().toISOString(), alert: null });
      await waitFor('a first failed attempt', async () => lost.received.length >= 1 && (await queue.getJob(delivery_id))?.attemptsMade === 1);
      // As if Redis lost it: the job is gone, the row is still pending.
      await waitFor('the job removed', async () => {
        const job = await queue.getJob(delivery_id);
        if (!job) return true;
        await job.remove().catch(() => undefined); // it may be active at that moment: try again
        return !(await queue.getJob(delivery_id));
      });
      lost.answer(200);
      expect(await publisher.redrive(0)).toBeGreaterThanOrEqual(1);
      await waitFor('the delivery', async () => (await deliveries(t, orgId))[0].state === 'delivered');
      expect(lost.okCounts().get(delivery_id)).toBe(1);
    } finally {
      await lost.down();
    }
  });

  it('counts attempts by outcome and the latency to the 2xx in /metrics', async () => {
    let text = '';
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    const delivered = () => value(/^wink_webhook_deliveries_total\{outcome="delivered"\} (\d+)$/m);
    // On this app the tests above delivered 10 and retried at least 2 × 6 (the outage) attempts. The worker counts a
    // 2xx just after it marks the row delivered (what those tests waited for), so the last count may trail a moment.
    await waitFor('10 deliveries and 12 retries counted', async () => {
      text = await (await fetch(`${t.baseUrl}/metrics`, { headers: { connection: 'close' } })).text();
      return delivered() >= 10 && value(/^wink_webhook_deliveries_total\{outcome="retry"\} (\d+)$/m) >= 12;
    });
    // Every 2xx has its latency.
    expect(value(/^wink_webhook_delivery_latency_seconds_count (\d+)$/m)).toBe(delivered());
  });
});

describe('Webhooks: failing endpoints are disabled with an organisation alert', () => {
  let t: TestApp;
  let good: WebhookReceiver;
  let bad: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ ...FAST, webhookDisableAfterFailures: 3, webhookDisableAfterFailingSeconds: 0 });
    good = await WebhookReceiver.start();
    bad = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await good?.down();
    await bad?.down();
    await t?.close();
  });

  it('after 3 failed attempts in a row: disabled, alert sent to the other endpoint; enabling resolves it', async () => {
    const orgId = await newOrg(t, 'Failing Retail');
    bad.answer(500);
    const failing = await addEndpoint(t, orgId, bad.url);
    const healthy = await addEndpoint(t, orgId, good.url);
    const sent = await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${failing.endpoint_id}/test`);

    await waitFor('the endpoint disabled', async () => !(await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/${failing.endpoint_id}`)).body.enabled);
    const endpoint = (await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/${failing.endpoint_id}`)).body;
    expect(endpoint).toMatchObject({ enabled: false, consecutive_failures: 3 });
    expect(endpoint.disabled_reason).toMatch(/^3 failed attempts in a row over \d+ s$/);
    expect(bad.received).toHaveLength(3);
    // The worker disables the endpoint, raises the alert, then abandons the delivery: wait for that last step.
    await waitFor('the delivery abandoned', async () => (await deliveries(t, orgId, `?endpoint_id=${failing.endpoint_id}`))[0]?.state === 'failed');
    const [d] = await deliveries(t, orgId, `?endpoint_id=${failing.endpoint_id}`);
    expect(d).toMatchObject({ delivery_id: sent.body.delivery_id, state: 'failed', attempts: 3, last_status: 500 });
    expect(d.last_error).toContain('HTTP 500');

    await waitFor('the alert at the other endpoint', async () => good.of('alert.fired').length > 0);
    const [fired] = good.of('alert.fired');
    expect(fired.payload).toMatchObject({
      type: 'alert.fired',
      org_id: orgId,
      store_id: null,
      alert: {
        type: 'webhook_endpoint_disabled',
        state: 'firing',
        subject: failing.endpoint_id,
        evidence: { endpoint_id: failing.endpoint_id, last_status: 500 },
      },
    });
    expect(bad.of('alert.fired')).toEqual([]);

    bad.answer(200);
    await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${failing.endpoint_id}/enable`);
    await waitFor('the resolution at both endpoints', async () => good.of('alert.resolved').length > 0 && bad.of('alert.resolved').length > 0);
    expect(good.of('alert.resolved')[0].payload.alert).toMatchObject({ type: 'webhook_endpoint_disabled', state: 'resolved', subject: failing.endpoint_id });
    expect(healthy.endpoint_id).toBeDefined();
  });

  it('410 Gone disables at once; deleting the endpoint resolves its alert', async () => {
    const orgId = await newOrg(t, 'Gone Retail');
    const gone = await WebhookReceiver.start();
    const witness = await WebhookReceiver.start();
    try {
      gone.answer(410);
      const e = await addEndpoint(t, orgId, gone.url);
      await addEndpoint(t, orgId, witness.url);
      await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}/test`);
      await waitFor('disabled', async () => !(await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}`)).body.enabled);
      expect((await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}`)).body.disabled_reason).toBe('it answered 410 Gone');
      expect(gone.received).toHaveLength(1);
      expect((await deliveries(t, orgId, `?endpoint_id=${e.endpoint_id}`))[0]).toMatchObject({ state: 'failed', attempts: 1, last_status: 410 });

      await waitFor('the alert at the other endpoint', async () => witness.of('alert.fired').length === 1);
      expect((await t.admin('DELETE', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}`)).status).toBe(200);
      await waitFor('its resolution', async () => witness.of('alert.resolved').length === 1);
      expect(witness.of('alert.resolved')[0].payload.alert).toMatchObject({ subject: e.endpoint_id, resolve_evidence: { deleted_by: 'admin' } });
    } finally {
      await gone.down();
      await witness.down();
    }
  });
});

describe('Webhooks: a short outage never disables an endpoint', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    // More failed attempts than the limit, but the failing streak is far shorter than the hour it must also last.
    t = await startTestApp({ ...FAST, webhookDisableAfterFailures: 3 });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.down();
    await t?.close();
  });

  it('5 failed attempts within seconds: still enabled, and the delivery arrives once the receiver is back', async () => {
    const orgId = await newOrg(t, 'Blip Retail');
    receiver.answer(503);
    const e = await addEndpoint(t, orgId, receiver.url);
    const sent = await t.admin('POST', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}/test`);
    // The receiver sees an attempt before the worker records its failure: wait for the record, not the request.
    const endpoint = async () => (await t.admin('GET', `/api/admin/orgs/${orgId}/webhooks/${e.endpoint_id}`)).body;
    await waitFor('5 failed attempts recorded', async () => (await endpoint()).consecutive_failures >= 5);
    const during = await endpoint();
    expect(receiver.received.length).toBeGreaterThanOrEqual(5);
    expect(during.enabled).toBe(true);
    expect(during.consecutive_failures).toBeGreaterThanOrEqual(5);
    receiver.answer(200);
    await waitFor('the delivery', async () => receiver.received.some((r) => r.answered === 200));
    const delivered = receiver.received.filter((r) => r.answered === 200);
    expect(delivered.map((r) => r.deliveryId)).toEqual([sent.body.delivery_id]);
    // The streak is reset after the 2xx is recorded, a moment after the receiver answered.
    await waitFor('the failure streak ended', async () => (await endpoint()).consecutive_failures === 0);
    expect((await endpoint()).enabled).toBe(true);
  });
});

describe('Webhooks: two API processes + two workers on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    a = await startTestApp(FAST);
    b = await startTestApp({ ...FAST, databaseUrl: a.db.url, redisPrefix: a.config.redisPrefix });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.down();
    await b?.close();
    await a?.close();
  });

  it('deliver each event once: the same alert raised by both, many events published by both', async () => {
    const orgId = await newOrg(a, 'Scaled Retail');
    await addEndpoint(a, orgId, receiver.url);
    await addEndpoint(b, orgId, `${receiver.url}?second`);
    const signal = { org_id: orgId, type: 'webhook_endpoint_disabled' as const, subject: 'probe', summary: 'raised twice', evidence: { n: 1 } };
    const raised = await Promise.all([a.app.get(AlertsService).raiseOrgAlert(signal), b.app.get(AlertsService).raiseOrgAlert(signal)]);
    expect(raised.filter(Boolean)).toHaveLength(1);

    const publish = (t: TestApp) =>
      t.app.get(WebhookPublisher).publish({ type: 'webhook.test', org_id: orgId, store_id: null, time: new Date().toISOString(), alert: null });
    const rows = (await Promise.all(Array.from({ length: 20 }, (_, i) => publish(i % 2 ? a : b)))).flat();
    // Both processes enqueue every delivery again too: still once each.
    const ids = rows.map((r) => r.delivery_id);
    await Promise.all([a.app.get(WebhookPublisher).enqueue(ids), b.app.get(WebhookPublisher).enqueue(ids)]);

    const expected = 2 /* the alert × 2 endpoints */ + 40;
    await waitFor(`${expected} deliveries`, async () => receiver.okCounts().size >= expected);
    await waitFor('all delivered', async () => (await deliveries(a, orgId, '?limit=500')).every((d) => d.state === 'delivered'));
    const counts = receiver.okCounts();
    expect(counts.size).toBe(expected);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.received).toHaveLength(expected);
    expect(receiver.of('alert.fired')).toHaveLength(2);
  });
});
