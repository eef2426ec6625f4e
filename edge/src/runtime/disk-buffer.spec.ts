import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBuffer, type OutboxEvent } from './disk-buffer.ts';
import { Logger } from './log.ts';

const quiet = Logger.create({ level: 'error', sink: () => {} });
const event = (i: number): OutboxEvent => ({ type: 'entrance', ts: '2024-01-15T10:00:00.000Z', direction: 'in', person_key: `p${i}`, event_id: `e${i}` });
const events = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => event(from + k));
const ids = (list: readonly OutboxEvent[]) => list.map((e) => e.event_id);

describe('DiskBuffer (the write-ahead log)', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'wink-wal-')), 'cam');
  });
  const files = () => readdirSync(dir).filter((n) => n.startsWith('buffer_'));

  it('has an event in its file as soon as append() returns, before any fsync', async () => {
    const wal = await DiskBuffer.open(dir, 1 << 20, quiet, { fsyncIntervalMs: 60_000 });
    wal.append(events(0, 3));
    const text = files()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event_id),
    ).toEqual(['e0', 'e1', 'e2']);
    await wal.close();
  });

  it('resumes after the acknowledged position on reopen, so a restart does not re-send what the backend has', async () => {
    const first = await DiskBuffer.open(dir, 1 << 20, quiet);
    first.append(events(0, 10));
    first.ack(first.peek(4));
    first.append(events(10, 12));
    // No close(): like a process killed at this point.
    const second = await DiskBuffer.open(dir, 1 << 20, quiet);
    expect(second.eventCount).toBe(8);
    expect(ids(second.peek(100))).toEqual(ids(events(4, 12)));
    second.ack(second.peek(100));
    expect(second.isEmpty).toBe(true);
    expect(files()).toEqual([]); // a file all acknowledged is deleted
    await second.close();
    await first.close();
  });

  it('starts from the beginning when ack.json is unreadable (the backend dedups the re-sent events)', async () => {
    const first = await DiskBuffer.open(dir, 1 << 20, quiet);
    first.append(events(0, 5));
    first.ack(first.peek(2));
    await first.close();
    writeFileSync(join(dir, 'ack.json'), '{"stamp":17');
    const second = await DiskBuffer.open(dir, 1 << 20, quiet);
    expect(ids(second.peek(100))).toEqual(ids(events(0, 5)));
    await second.close();
  });

  it('keeps order across files and ignores an ack for events the disk cap already dropped', async () => {
    const lineBytes = JSON.stringify(event(100)).length + 1; // events 100… all have the same size
    const wal = await DiskBuffer.open(dir, lineBytes * 24, quiet); // files of 3 events, room for 24
    for (let i = 100; i < 130; i += 3) wal.append(events(i, i + 3));
    expect(wal.droppedCount).toBe(6);
    const stale = wal.peek(3);
    wal.append(events(130, 133)); // drops the file `stale` came from
    wal.ack(stale);
    expect(wal.droppedCount).toBe(9);
    const sent: string[] = [];
    for (let batch = wal.peek(5); batch.length > 0; batch = wal.peek(5)) {
      sent.push(...ids(batch));
      wal.ack(batch);
    }
    expect(sent).toEqual(ids(events(109, 133)));
    await wal.close();
  });
});
