// One camera's on-disk event buffer: append-only JSONL segment files `buffer_<ms>.jsonl`, replayed
// oldest first. Each append is fsync'd before it counts as buffered, so a crash or power cut loses at
// most the append in progress; its torn last line is skipped (with a warning) when the file is read.
// Not safe for concurrent use: the outbox runs every operation one after the other.
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreEvent } from '../../../shared/src/events.ts';
import { errorText, type Logger } from './log.ts';

export type OutboxEvent = StoreEvent & { event_id: string };

interface Segment {
  stamp: number;
  path: string;
  bytes: number;
  /** Complete lines (events) in the file. */
  lines: number;
  /** Leading events the backend already accepted; only known in memory (a restart re-sends them, the backend dedups). */
  acked: number;
}

const SEGMENT_NAME = /^buffer_(\d+)\.jsonl$/;
/** Past this size new events go to a new file, so dropping the oldest file frees a bounded amount. */
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export class DiskBuffer {
  private readonly segments: Segment[] = [];
  private writer: { segment: Segment; handle: FileHandle } | null = null;
  private head: { segment: Segment; events: OutboxEvent[] } | null = null;
  private lastStamp = 0;
  private droppedEvents = 0;
  private readonly segmentBytes: number;

  private constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    this.segmentBytes = Math.min(MAX_SEGMENT_BYTES, Math.max(1, Math.floor(maxBytes / 8)));
  }

  /** Opens (creating) the directory and picks up the files a previous run left behind. */
  static async open(dir: string, maxBytes: number, log: Logger): Promise<DiskBuffer> {
    await mkdir(dir, { recursive: true });
    const buffer = new DiskBuffer(dir, maxBytes, log);
    const names = (await readdir(dir)).filter((n) => SEGMENT_NAME.test(n));
    const stamped = names.map((name) => ({ name, stamp: Number(SEGMENT_NAME.exec(name)![1]) })).sort((a, b) => a.stamp - b.stamp);
    for (const { name, stamp } of stamped) {
      const path = join(dir, name);
      const data = await readFile(path);
      let lines = 0;
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lines++;
      if (data.length > 0 && data[data.length - 1] !== 10) {
        log.warn('buffer file ends in a torn line (interrupted write); skipping that line', { file: path });
      }
      buffer.lastStamp = Math.max(buffer.lastStamp, stamp);
      if (lines === 0) {
        await unlinkQuietly(path);
        continue;
      }
      buffer.segments.push({ stamp, path, bytes: data.length, lines, acked: 0 });
    }
    if (buffer.segments.length > 0) {
      log.info('found buffered events from a previous run; they will be sent first', { events: buffer.eventCount, files: buffer.segments.length });
    }
    return buffer;
  }

  /** Events on disk not yet accepted by the backend. */
  get eventCount(): number {
    return this.segments.reduce((n, s) => n + s.lines - s.acked, 0);
  }

  get byteCount(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  get isEmpty(): boolean {
    return this.eventCount === 0;
  }

  /** Events lost to the disk cap or to unreadable lines, since this buffer was opened. */
  get droppedCount(): number {
    return this.droppedEvents;
  }

  /** Appends behind everything already buffered; makes room by dropping the oldest files when over the cap. */
  async append(events: readonly OutboxEvent[]): Promise<void> {
    let lines = events.map((e) => JSON.stringify(e) + '\n');
    let size = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    while (this.segments.length > 0 && this.byteCount + size > this.maxBytes) await this.dropOldest();
    if (size > this.maxBytes) {
      // Even alone this append does not fit: keep its newest events.
      let cut = 0;
      while (cut < lines.length && size > this.maxBytes) size -= Buffer.byteLength(lines[cut++]);
      this.countDropped(cut, 'disk buffer cap reached; dropped the oldest events of a batch larger than the cap');
      lines = lines.slice(cut);
    }
    if (lines.length === 0) return;

    const writer = await this.writerWithRoom();
    await writer.handle.write(lines.join(''));
    await writer.handle.sync();
    writer.segment.bytes += size;
    writer.segment.lines += lines.length;
  }

  /** Up to `max` of the oldest events not yet accepted (all from one file). */
  async peek(max: number): Promise<OutboxEvent[]> {
    while (this.segments.length > 0) {
      const segment = this.segments[0];
      // Never read a file that is still being appended to: seal it, new events go to a new file.
      if (this.writer?.segment === segment) await this.closeWriter();
      if (this.head?.segment !== segment) this.head = { segment, events: await this.readSegment(segment) };
      const events = this.head.events.slice(segment.acked, segment.acked + max);
      if (events.length > 0) return events;
      await this.removeHead();
    }
    return [];
  }

  /** Marks the first `count` events returned by peek() as accepted; deletes the file once all are. */
  async ack(count: number): Promise<void> {
    const segment = this.segments[0];
    if (!segment) return;
    segment.acked = Math.min(segment.lines, segment.acked + count);
    if (segment.acked >= segment.lines) await this.removeHead();
  }

  async close(): Promise<void> {
    await this.closeWriter();
  }

  private async writerWithRoom(): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.writer && this.writer.segment.bytes < this.segmentBytes) return this.writer;
    await this.closeWriter();
    // Names must sort in write order even if two files start within one millisecond or the clock steps back.
    const stamp = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = stamp;
    const segment: Segment = { stamp, path: join(this.dir, `buffer_${stamp}.jsonl`), bytes: 0, lines: 0, acked: 0 };
    const handle = await open(segment.path, 'a');
    await syncDirectory(this.dir); // the new file's name must survive a power cut too
    this.segments.push(segment);
    this.writer = { segment, handle };
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    if (writer) await writer.handle.close();
  }

  private async readSegment(segment: Segment): Promise<OutboxEvent[]> {
    const lines = (await readFile(segment.path, 'utf8')).split('\n');
    lines.pop(); // after the last "\n": empty, or a torn line (already reported when the file was found)
    const events: OutboxEvent[] = [];
    let unreadable = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as OutboxEvent);
      } catch {
        unreadable++;
      }
    }
    if (unreadable > 0) this.countDropped(unreadable, 'skipped unreadable lines in a buffer file', { file: segment.path });
    segment.lines = events.length;
    return events;
  }

  private async dropOldest(): Promise<void> {
    const segment = this.segments[0];
    this.countDropped(segment.lines - segment.acked, 'disk buffer cap reached; dropped the oldest buffered events', {
      file: segment.path,
      max_bytes: this.maxBytes,
    });
    if (this.writer?.segment === segment) await this.closeWriter();
    await this.removeHead();
  }

  private async removeHead(): Promise<void> {
    const segment = this.segments.shift();
    if (!segment) return;
    if (this.head?.segment === segment) this.head = null;
    await unlinkQuietly(segment.path);
  }

  private countDropped(count: number, msg: string, fields: Record<string, unknown> = {}): void {
    if (count <= 0) return;
    this.droppedEvents += count;
    this.log.warn(msg, { ...fields, dropped: count, dropped_total: this.droppedEvents });
  }
}

export interface DeadLetter {
  dead_lettered_at: string;
  status: number | null;
  reason: string;
  event: unknown;
}

/**
 * `dead_letter.jsonl`: events the backend rejected for good, with its reason, kept for a person to
 * look at (and re-send once fixed). Bounded: past maxBytes the file becomes dead_letter.1.jsonl,
 * replacing the previous one.
 */
export class DeadLetterFile {
  readonly path: string;

  constructor(dir: string, private readonly maxBytes: number) {
    this.path = join(dir, 'dead_letter.jsonl');
  }

  async append(records: readonly DeadLetter[]): Promise<void> {
    if (records.length === 0) return;
    const size = await stat(this.path).then((s) => s.size, () => 0);
    if (size > 0 && size >= this.maxBytes) await rename(this.path, this.path.replace(/\.jsonl$/, '.1.jsonl'));
    const handle = await open(this.path, 'a');
    try {
      await handle.write(records.map((r) => JSON.stringify(r) + '\n').join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the file's own data is still synced.
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot delete ${path}: ${errorText(err)}`);
  }
}
