import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreEvent } from '../../../shared/src/events.ts';
import { FakeIngestBackend } from '../../test/fake-ingest-backend.ts';
import { Logger } from './log.ts';
import { EventOutbox, nextMove, wholeBatches, type OutboxOptions } from './outbox.ts';

const T0 = Date.parse('2024-01-15T10:00:00Z');
function entrance(i: number): StoreEvent {
  return { type: 'entrance', ts: new Date(T0 + i * 1000).toISOString(), direction: i % 2 ? 'out' : 'in', person_key: `p${i}` };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => entrance(from + k));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EventOutbox', () => {
  let backend: FakeIngestBackend;
  let dir: string;
  let logLines: string[];
  let outboxes: EventOutbox[];

  beforeEach(async () => {
    backend = new FakeIngestBackend();
    await backend.start();
    dir = join(mkdtempSync(join(tmpdir(), 'wink-outbox-')), 'cam_entrance_01');
    logLines = [];
    outboxes = [];
  });

  afterEach(async () => {
    for (const o of outboxes) await o.flush(200);
    await backend.stop();
  });

  async function openOutbox(overrides: Partial<OutboxOptions> = {}): Promise<EventOutbox> {
    const outbox = await EventOutbox.open({
      apiBase: backend.url,
      apiKey: 'cam-entrance-key',
      orgId: 'org_demo',
      storeId: 'store_demo_001',
      cameraId: 'cam_entrance_01',
      dir,
      maxEvents: 10,
      maxWaitMs: 20,
      maxDiskBytes: 10 * 1024 * 1024,
      requestTimeoutMs: 2000,
      retryInitialMs: 20,
      retryMaxMs: 100,
      log: Logger.create({ level: 'debug', sink: (l) => logLines.push(l) }),
      ...overrides,
    });
    outboxes.push(outbox);
    return outbox;
  }

  const bufferFiles = () =>
    readdirSync(dir)
      .filter((n) => n.startsWith('buffer_'))
      .sort();

  it('stamps unique event ids and posts batches with the camera key', async () => {
    const outbox = await openOutbox();
    const stamped = outbox.enqueue(range(0, 25));
    expect(new Set(stamped.map((e) => e.event_id)).size).toBe(25);
    expect(outbox.enqueue([{ ...entrance(99), event_id: 'kept-id' }])[0].event_id).toBe('kept-id');

    await waitFor('all events', () => backend.accepted.length === 26);
    expect(backend.accepted).toEqual([...stamped.map((e) => e.event_id), 'kept-id']);
    expect(backend.requests.map((r) => (r.body.events as unknown[]).length)).toEqual([10, 10, 6]); // by size, then the rest after max_wait_ms
    expect(backend.requests[0].authorization).toBe('Bearer cam-entrance-key');
    expect(backend.requests[0].body).toMatchObject({ org_id: 'org_demo', store_id: 'store_demo_001', camera_id: 'cam_entrance_01' });
    expect(Date.parse(backend.requests[0].body.device_ts as string)).toBeGreaterThan(Date.now() - 60_000);
    await waitFor('answers handled', () => outbox.sentCount === 26);
    expect(outbox.bufferedCount).toBe(0);
  });

  it('survives an outage mid-stream: every event arrives exactly once, in order', async () => {
    const outbox = await openOutbox();
    const ids: string[] = [];
    const send = (from: number, to: number) => ids.push(...outbox.enqueue(range(from, to)).map((e) => e.event_id));

    send(0, 10);
    await waitFor('first events', () => backend.accepted.length === 10);

    backend.mode = 'drop';
    for (let i = 10; i < 40; i += 5) {
      send(i, i + 5);
      await new Promise((r) => setTimeout(r, 15));
    }
    await waitFor('events on disk', () => outbox.bufferedCount === 30);
    expect(bufferFiles().length).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes('buffering them on disk'))).toBe(true);

    backend.mode = { status: 503, body: { message: 'database restarting' } };
    send(40, 45); // queued behind the disk even though a request would now get an answer
    await new Promise((r) => setTimeout(r, 150));
    expect(backend.accepted).toHaveLength(10);

    backend.mode = 'accept';
    send(45, 50);
    await waitFor('all events after recovery', () => backend.accepted.length >= 50);
    // The backend records before it replies: wait for the outbox to have handled the answers.
    await waitFor('answers handled', () => outbox.sentCount >= 50 && outbox.bufferedCount === 0 && bufferFiles().length === 0);
    await new Promise((r) => setTimeout(r, 100)); // nothing more may arrive
    expect(backend.accepted).toEqual(ids);
    expect(outbox.bufferedCount).toBe(0);
    expect(bufferFiles()).toEqual([]);
    expect(outbox.counters).toMatchObject({ sentCount: 50, droppedCount: 0, deadLetterCount: 0 });
  });

  it('replays what a previous run left on disk: none lost, none doubled', async () => {
    backend.mode = 'drop';
    const first = await openOutbox();
    const ids = first.enqueue(range(0, 15)).map((e) => e.event_id);
    await waitFor('first events on disk', () => first.bufferedCount === 15);
    ids.push(...first.enqueue(range(15, 23)).map((e) => e.event_id));
    await first.flush(300); // shutdown: what could not be sent is written to disk
    expect(first.bufferedCount).toBe(23);

    backend.mode = 'accept';
    const second = await openOutbox(); // same directory, like a restarted process
    expect(second.bufferedCount).toBe(23);
    const later = second.enqueue(range(23, 26)).map((e) => e.event_id);
    await waitFor('replay', () => backend.accepted.length >= 26);
    // The backend records before it replies: wait for the outbox to have handled the answers.
    await waitFor('answers handled', () => second.sentCount >= 26 && bufferFiles().length === 0);
    await new Promise((r) => setTimeout(r, 100)); // nothing more may arrive
    expect(backend.accepted).toEqual([...ids, ...later]);
    expect(bufferFiles()).toEqual([]);
  });

  it('skips a torn last line left by a crash mid-write, with a warning', async () => {
    mkdirSync(dir, { recursive: true });
    const events = range(0, 3).map((e, i) => ({ ...e, event_id: `e${i}` }));
    const torn = JSON.stringify({ ...entrance(3), event_id: 'e3' }).slice(0, 25);
    writeFileSync(join(dir, 'buffer_1705312800000.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join('') + torn);
    writeFileSync(join(dir, 'buffer_1705312800001.jsonl'), JSON.stringify({ ...entrance(4), event_id: 'e4' }) + '\n');

    const outbox = await openOutbox();
    await waitFor('replay', () => backend.accepted.length >= 4);
    expect(backend.accepted).toEqual(['e0', 'e1', 'e2', 'e4']);
    expect(logLines.some((l) => l.includes('torn line') && l.includes('buffer_1705312800000.jsonl'))).toBe(true);
    await waitFor('files deleted', () => bufferFiles().length === 0);
    expect(outbox.bufferedCount).toBe(0);
  });

  /** Like the real backend: a batch is all or nothing, and a 400 names its first bad event. */
  const refusing = (isBad: (e: Record<string, unknown>) => boolean) => (events: Array<Record<string, unknown>>) => {
    const k = events.findIndex(isBad);
    if (k < 0) return 'accept' as const;
    return {
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: `events[${k}].ts: is more than 5 minutes in the future`,
        field: `events[${k}].ts`,
        event_index: k,
      },
    };
  };
  const deadLetterLines = () =>
    readFileSync(join(dir, 'dead_letter.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  it('sets aside only the event a 400 names, with the reason, and delivers the rest in order', async () => {
    const outbox = await openOutbox();
    backend.mode = refusing((e) => e.person_key === 'p3' || e.person_key === 'p7' || e.person_key === 'p8');
    const ids = outbox.enqueue(range(0, 25)).map((e) => e.event_id);
    await waitFor('all settled', () => outbox.bufferedCount === 0 && outbox.deadLetterCount === 3);

    const bad = [3, 7, 8].map((i) => ids[i]);
    expect(backend.accepted).toEqual(ids.filter((id) => !bad.includes(id)));
    expect(deadLetterLines().map((l) => l.event.event_id)).toEqual(bad);
    expect(deadLetterLines()[0]).toMatchObject({ status: 400, reason: 'events[0].ts: is more than 5 minutes in the future' });
    expect(logLines.find((l) => l.includes('refused an event for good'))).toContain('is more than 5 minutes in the future');
  });

  it('halves a batch that refuses with 400 without naming an event, down to the one it refuses', async () => {
    const outbox = await openOutbox();
    backend.mode = (events) => (events.some((e) => e.person_key === 'p6') ? { status: 400, body: { message: 'events: something is wrong' } } : 'accept');
    const ids = outbox.enqueue(range(0, 10)).map((e) => e.event_id);
    await waitFor('all settled', () => outbox.bufferedCount === 0 && outbox.deadLetterCount === 1);
    expect(backend.accepted).toEqual(ids.filter((_, i) => i !== 6));
    expect(deadLetterLines()[0]).toMatchObject({ status: 400, reason: 'events: something is wrong', event: { event_id: ids[6] } });
  });

  it('halves a batch that keeps getting 500 until the poison event is alone, sets it aside and delivers the rest', async () => {
    const outbox = await openOutbox();
    backend.mode = (events) =>
      events.some((e) => e.person_key === 'p0') ? { status: 500, body: { message: 'unexpected server error; see the server log' } } : 'accept';
    const ids = outbox.enqueue(range(0, 10)).map((e) => e.event_id);
    const later = outbox.enqueue(range(10, 15)).map((e) => e.event_id);
    await waitFor('all settled', () => outbox.bufferedCount === 0 && outbox.deadLetterCount === 1);
    expect(backend.accepted).toEqual([...ids.slice(1), ...later]);
    expect(deadLetterLines()[0]).toMatchObject({ status: 500, event: { event_id: ids[0] } });
    expect(deadLetterLines()[0].reason).toMatch(/500.*3 times for this event alone/);
    expect(logLines.some((l) => l.includes('sending it in halves'))).toBe(true);
  });

  it('sets nothing aside while every request gets 500 and the backend reports itself unhealthy', async () => {
    const outbox = await openOutbox();
    backend.mode = { status: 500, body: { message: 'connection to the database lost' } };
    backend.healthy = false;
    const ids = outbox.enqueue(range(0, 4)).map((e) => e.event_id);
    await waitFor('narrowed to one event and still retrying', () => backend.requests.filter((r) => (r.body.events as unknown[]).length === 1).length >= 5);
    expect(outbox.deadLetterCount).toBe(0);
    backend.mode = 'accept'; // (health left "down": flipping it here could race a check in flight)
    await waitFor('delivered', () => outbox.bufferedCount === 0);
    expect(backend.accepted).toEqual(ids);
  });

  it.each([
    ['429', { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '0' } }],
    ['503', { status: 503, body: { message: 'database restarting' } }],
    ['401', { status: 401, body: { message: 'authorization: unknown or revoked edge key' } }],
    ['403', { status: 403, body: { message: 'authorization: key of another camera' } }],
    ['a dropped connection', 'drop'],
  ] as const)('never sets anything aside on %s: keeps the events and delivers them once it clears', async (_, mode) => {
    const outbox = await openOutbox();
    backend.mode = mode;
    const ids = outbox.enqueue(range(0, 4)).map((e) => e.event_id);
    await waitFor('many retries', () => backend.requests.length >= 8);
    expect(outbox.counters).toMatchObject({ deadLetterCount: 0, bufferedCount: 4 });
    backend.mode = 'accept';
    await waitFor('delivered', () => backend.accepted.length === 4);
    expect(backend.accepted).toEqual(ids);
  });

  it('dead-letters an event that breaks the contract on its own, without sinking its batch', async () => {
    const outbox = await openOutbox();
    const bad = { type: 'zone', ts: 'yesterday', zone_id: 'z', person_key: 'p' } as unknown as StoreEvent;
    const good = outbox.enqueue([entrance(0), bad, entrance(1)]);
    expect(good).toHaveLength(2);
    await waitFor('good events', () => backend.accepted.length === 2);
    await waitFor('dead letter', () => outbox.deadLetterCount === 1);
    expect(readFileSync(join(dir, 'dead_letter.jsonl'), 'utf8')).toMatch(/"reason":"invalid event: /);
  });

  it('keeps events on disk while the backend answers 429 or refuses the key (401)', async () => {
    const outbox = await openOutbox();
    backend.mode = { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '0' } };
    const ids = outbox.enqueue(range(0, 4)).map((e) => e.event_id);
    await waitFor('buffered after 429', () => outbox.bufferedCount === 4);
    backend.mode = { status: 401, body: { message: 'authorization: unknown or revoked edge key' } };
    await waitFor('a retry answered 401', () => backend.requests.length >= 3);
    expect(logLines.some((l) => l.includes('"level":"error"') && l.includes('fix api_key'))).toBe(true);
    expect(outbox.deadLetterCount).toBe(0);
    backend.mode = 'accept';
    await waitFor('delivered', () => backend.accepted.length === 4);
    expect(backend.accepted).toEqual(ids);
  });

  it('drops the oldest events at the disk cap, counts them, and keeps the newest in order', async () => {
    backend.mode = 'drop';
    const eventBytes = JSON.stringify({ ...entrance(10), event_id: '00000000-0000-0000-0000-000000000000' }).length + 1;
    // 90% of the budget holds events: room for about 60 of these.
    const outbox = await openOutbox({ maxDiskBytes: Math.ceil((eventBytes * 60) / 0.9) });
    const ids = outbox.enqueue(range(0, 10)).map((e) => e.event_id);
    await waitFor('the first attempt failed', () => logLines.some((l) => l.includes('buffering them on disk')));
    for (let i = 10; i < 200; i += 10) {
      ids.push(...outbox.enqueue(range(i, i + 10)).map((e) => e.event_id));
      await waitFor('batch handled', () => outbox.bufferedCount + outbox.droppedCount === i + 10);
    }
    expect(outbox.droppedCount).toBeGreaterThan(0);
    expect(outbox.bufferedCount).toBeLessThanOrEqual(60);
    expect(outbox.bufferedCount + outbox.droppedCount).toBe(200);
    expect(logLines.some((l) => l.includes('disk buffer cap reached'))).toBe(true);

    backend.mode = 'accept';
    await waitFor('replay', () => outbox.bufferedCount === 0);
    expect(backend.accepted).toEqual(ids.slice(200 - backend.accepted.length)); // the newest, in order
    expect(backend.accepted.length).toBe(200 - outbox.droppedCount);
  });

  it('flush() gives up on an unanswered request at the deadline and keeps its events on disk', async () => {
    backend.mode = 'hang';
    const outbox = await openOutbox({ requestTimeoutMs: 30_000 });
    outbox.enqueue(range(0, 5));
    await waitFor('request in flight', () => backend.requests.length === 1);
    const started = Date.now();
    await outbox.flush(300);
    // Well below the 30 s request timeout, with room for a slow fsync on a loaded machine.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(outbox.bufferedCount).toBe(5);
    expect(bufferFiles()).toHaveLength(1);
    expect(() => outbox.enqueue([entrance(9)])).toThrow(/shut down/);
  });

  const deno = fileURLToPath(new URL('../../../node_modules/.bin/deno', import.meta.url));
  (existsSync(deno) ? it : it.skip)('after a hard kill (SIGKILL) mid-stream, a restart replays every event that reached the disk', async () => {
    const deadPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    // A separate process (Deno, the product runtime) writes to the buffer while the backend is down.
    const script = `
      import { EventOutbox } from ${JSON.stringify(new URL('./outbox.ts', import.meta.url).href)};
      import { Logger } from ${JSON.stringify(new URL('./log.ts', import.meta.url).href)};
      const outbox = await EventOutbox.open({
        apiBase: 'http://127.0.0.1:${deadPort}', apiKey: 'k', orgId: 'o', storeId: 's', cameraId: 'cam_entrance_01',
        dir: ${JSON.stringify(dir)}, maxEvents: 3, maxWaitMs: 0, maxDiskBytes: 10485760, requestTimeoutMs: 1000,
        retryInitialMs: 60000, retryMaxMs: 60000, log: Logger.create({ level: 'error', sink: () => {} }),
      });
      let i = 0, reported = 0;
      setInterval(() => outbox.enqueue([{ type: 'entrance', ts: new Date().toISOString(), direction: 'in', person_key: 'k-' + i++ }]), 2);
      setInterval(() => { if (outbox.bufferedCount !== reported) console.log('durable ' + (reported = outbox.bufferedCount)); }, 1);
    `;
    const child = spawn(deno, ['eval', script], { cwd: fileURLToPath(new URL('../../../', import.meta.url)), env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const durable = () => Math.max(0, ...[...out.matchAll(/durable (\d+)/g)].map((m) => Number(m[1])));
    try {
      await waitFor(`80 events on disk (stderr: ${err})`, () => durable() >= 80, 20_000);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    const confirmed = durable();

    const outbox = await openOutbox(); // the restarted process
    await waitFor('replay', () => outbox.bufferedCount === 0 && backend.accepted.length >= confirmed);
    const keys = backend.eventsByCamera.get('cam_entrance_01')!.map((e) => Number(String(e.person_key).slice(2)));
    expect(keys.length).toBeGreaterThanOrEqual(confirmed); // nothing that was on disk is lost
    expect(keys).toEqual(keys.map((_, i) => i)); // in order, none doubled, no gap
  });
});

describe('nextMove (narrowing a batch down to the event the backend cannot take)', () => {
  const whole = wholeBatches(500);
  const server500 = { outcome: 'retry', status: 500, reason: 'backend answered 500: boom' } as const;
  it.each([
    ['accepted', whole, 500, { outcome: 'accepted', status: 200 }, whole, 'ack'],
    ['400 naming event 0', whole, 500, { outcome: 'rejected', status: 400, message: 'm', eventIndex: 0 }, whole, 'dead-letter'],
    [
      '400 naming event 7: the 7 before it first',
      whole,
      500,
      { outcome: 'rejected', status: 400, message: 'm', eventIndex: 7 },
      { ...whole, limit: 7 },
      'again',
    ],
    ['400 naming no event: halve', whole, 500, { outcome: 'rejected', status: 400, message: 'm' }, { limit: 250, suspect: 500, streak: 0 }, 'again'],
    ['413 for one event alone', whole, 1, { outcome: 'rejected', status: 413, message: 'm' }, whole, 'dead-letter'],
    ['first 500: wait', whole, 500, server500, { ...whole, streak: 1 }, 'wait'],
    ['third 500 in a row: halve', { ...whole, streak: 2 }, 500, server500, { limit: 250, suspect: 500, streak: 0 }, 'halve'],
    [
      'first half stored: halve the rest',
      { limit: 250, suspect: 500, streak: 0 },
      250,
      { outcome: 'accepted', status: 200 },
      { limit: 125, suspect: 250, streak: 0 },
      'ack',
    ],
    [
      'third 500 for one event: set aside if healthy',
      { limit: 1, suspect: 1, streak: 2 },
      1,
      server500,
      { limit: 1, suspect: 1, streak: 3 },
      'dead-letter-if-healthy',
    ],
    ['503 never counts', { ...whole, streak: 2 }, 500, { outcome: 'retry', status: 503, reason: 'r' }, { ...whole, streak: 2 }, 'wait'],
    ['429 never counts', { ...whole, streak: 2 }, 1, { outcome: 'retry', status: 429, reason: 'r' }, { ...whole, streak: 2 }, 'wait'],
    ['network error never counts', { ...whole, streak: 2 }, 1, { outcome: 'retry', reason: 'unreachable' }, { ...whole, streak: 2 }, 'wait'],
  ] as const)('%s', (_, state, length, delivery, expected, kind) => {
    const { state: next, move } = nextMove(state, length, delivery, 500, 3);
    expect(next).toEqual(expected);
    expect(move.kind).toBe(kind);
  });
});
