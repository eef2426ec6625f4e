// One camera's write-ahead log: every event is appended the moment a rule emits it, and leaves the log
// only once the backend has acknowledged it. Append-only JSONL files `buffer_<ms>.jsonl` (one event a
// line) are sent oldest first; `ack.json` says how many leading events of the oldest file the backend
// already has, so a restart resumes there instead of re-sending the whole file.
//
// Durability: append() is a write(2) straight to the file before it returns, so an appended event
// survives the process dying at any moment (SIGKILL, OOM, a crash): it is in the kernel's page cache.
// fsync runs on a timer (`fsyncIntervalMs`, 100 ms by default, and at close), so a power cut loses at most
// that last interval of appends. A line torn by either is skipped with a warning when the file is read.
// ack.json is replaced by rename and never fsync'd: if a power cut loses its last version, the events
// acknowledged since are sent again and the backend, which dedups on event_id, stores them once.
//
// Plain synchronous file calls for the small writes (an event is on disk when append() returns, and
// nothing can interleave with them); only fsync runs in the background. Not safe for concurrent use:
// the outbox makes every call from one thread.
import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
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
  /** Leading events the backend already accepted. */
  acked: number;
  /** The events not yet accepted, once read (only the oldest file is held in memory). */
  unacked: OutboxEvent[] | null;
}

export interface DiskBufferOptions {
  /** How often appended events are fsync'd (what a power cut can lose). */
  fsyncIntervalMs?: number;
}

const SEGMENT_NAME = /^buffer_(\d+)\.jsonl$/;
const ACK_FILE = 'ack.json';
/** Past this size new events go to a new file, so dropping the oldest file frees a bounded amount. */
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_FSYNC_INTERVAL_MS = 100;

export class DiskBuffer {
  private readonly segments: Segment[] = [];
  private writer: { segment: Segment; fd: number } | null = null;
  /** Files no longer written to, closed by the next fsync pass (never while an fsync on them runs). */
  private retired: number[] = [];
  private dirDirty = false;
  private syncTimer: ReturnType<typeof setTimeout> | null = null;
  private syncing: Promise<void> = Promise.resolve();
  private lastStamp = 0;
  private droppedEvents = 0;
  private writeFailure: string | null = null;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;

  private constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
    options: DiskBufferOptions,
  ) {
    this.segmentBytes = Math.min(MAX_SEGMENT_BYTES, Math.max(1, Math.floor(maxBytes / 8)));
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS;
  }

  /** Opens (creating) the directory and picks up the files and the ack position a previous run left. */
  static async open(dir: string, maxBytes: number, log: Logger, options: DiskBufferOptions = {}): Promise<DiskBuffer> {
    mkdirSync(dir, { recursive: true });
    const buffer = new DiskBuffer(dir, maxBytes, log, options);
    const ack = readAckFile(join(dir, ACK_FILE));
    buffer.lastStamp = ack.stamp;
    const stamped = readdirSync(dir)
      .flatMap((name) => {
        const m = SEGMENT_NAME.exec(name);
        return m ? [{ name, stamp: Number(m[1]) }] : [];
      })
      .sort((a, b) => a.stamp - b.stamp);
    for (const { name, stamp } of stamped) {
      const path = join(dir, name);
      const data = readFileSync(path);
      const lines = countLines(data);
      if (data.length > 0 && data[data.length - 1] !== 10) {
        log.warn('buffer file ends in a torn line (interrupted write); skipping that line', { file: path });
      }
      buffer.lastStamp = Math.max(buffer.lastStamp, stamp);
      const acked = stamp < ack.stamp ? lines : stamp === ack.stamp ? Math.min(lines, ack.acked) : 0;
      if (acked >= lines) {
        unlinkQuietly(path); // empty, or all acknowledged before a crash got to delete it
        continue;
      }
      buffer.segments.push({ stamp, path, bytes: data.length, lines, acked, unacked: null });
    }
    if (buffer.segments.length > 0) {
      log.info('found buffered events from a previous run; they will be sent first', { events: buffer.eventCount, files: buffer.segments.length });
    }
    return buffer;
  }

  /** Events in the log not yet accepted by the backend. */
  get eventCount(): number {
    return this.segments.reduce((n, s) => n + s.lines - s.acked, 0);
  }

  get byteCount(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  get isEmpty(): boolean {
    return this.eventCount === 0;
  }

  /** Events lost to the disk cap, to unreadable lines or to a failing disk, since this buffer was opened. */
  get droppedCount(): number {
    return this.droppedEvents;
  }

  /**
   * Appends behind everything already in the log; when this returns the events survive the process
   * being killed. Makes room by dropping the oldest files when over the cap. A disk that refuses the
   * write loses these events (counted and logged): the camera keeps running.
   */
  append(events: readonly OutboxEvent[]): void {
    if (events.length === 0) return;
    try {
      this.write(events);
      this.writeFailure = null;
    } catch (err) {
      this.retireWriter(); // a partial line may end the file: later events go to a fresh one
      this.countDropped(events.length, 'cannot write events to the disk buffer; they are lost', {}, 'error');
      if (this.writeFailure !== errorText(err)) this.log.error('disk buffer write failed', { error: errorText(err), dir: this.dir });
      this.writeFailure = errorText(err);
    }
  }

  /** Up to `max` of the oldest events not yet accepted (all from one file), oldest first. */
  peek(max: number): OutboxEvent[] {
    while (this.segments.length > 0) {
      const head = this.segments[0];
      head.unacked ??= this.readSegment(head);
      if (head.unacked.length > 0) return head.unacked.slice(0, max);
      if (this.writer?.segment === head) return [];
      this.removeHead();
    }
    return [];
  }

  /**
   * Marks `batch` — the oldest events, as peek() returned them — as accepted. Ignored when the disk cap
   * dropped them in the meantime. The position is saved in ack.json; a file all accepted is deleted.
   */
  ack(batch: readonly OutboxEvent[]): void {
    const head = this.segments[0];
    if (!head?.unacked || batch.length === 0 || head.unacked[0] !== batch[0]) return;
    head.unacked.splice(0, batch.length);
    head.acked = Math.min(head.lines, head.acked + batch.length);
    if (head.acked >= head.lines) {
      if (this.writer?.segment === head) this.retireWriter();
      this.removeHead();
      return;
    }
    writeAckFile(join(this.dir, ACK_FILE), head.stamp, head.acked);
  }

  /** fsyncs what was appended so far (also done on a timer). */
  sync(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    // One pass at a time: a file descriptor is closed only by the pass that took it, after its own fsync.
    this.syncing = this.syncing.then(() => this.syncPass());
    return this.syncing;
  }

  async close(): Promise<void> {
    this.retireWriter();
    await this.sync();
  }

  private write(events: readonly OutboxEvent[]): void {
    let lines = events.map((e) => JSON.stringify(e) + '\n');
    let size = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    while (this.segments.length > 0 && this.byteCount + size > this.maxBytes) this.dropOldest();
    if (size > this.maxBytes) {
      // Even alone this append does not fit: keep its newest events.
      let cut = 0;
      while (cut < lines.length && size > this.maxBytes) size -= Buffer.byteLength(lines[cut++]);
      this.countDropped(cut, 'disk buffer cap reached; dropped the oldest events of a batch larger than the cap');
      lines = lines.slice(cut);
      events = events.slice(cut);
    }
    if (lines.length === 0) return;

    const writer = this.writerWithRoom();
    const data = Buffer.from(lines.join(''));
    for (let done = 0; done < data.length; ) done += writeSync(writer.fd, data, done);
    writer.segment.bytes += size;
    writer.segment.lines += lines.length;
    writer.segment.unacked?.push(...events);
    this.scheduleSync();
  }

  private writerWithRoom(): { segment: Segment; fd: number } {
    if (this.writer && this.writer.segment.bytes < this.segmentBytes) return this.writer;
    this.retireWriter();
    // Names must sort in write order even if two files start within one millisecond or the clock steps back.
    const stamp = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = stamp;
    const path = join(this.dir, `buffer_${stamp}.jsonl`);
    const fd = openSync(path, 'a');
    // Only the oldest file is held in memory; an empty log makes this file the oldest.
    const segment: Segment = { stamp, path, bytes: 0, lines: 0, acked: 0, unacked: this.segments.length === 0 ? [] : null };
    this.segments.push(segment);
    this.writer = { segment, fd };
    this.dirDirty = true; // the new file's name must survive a power cut too
    return this.writer;
  }

  private retireWriter(): void {
    if (!this.writer) return;
    this.retired.push(this.writer.fd);
    this.writer = null;
    this.scheduleSync();
  }

  private scheduleSync(): void {
    this.syncTimer ??= setTimeout(() => void this.sync(), this.fsyncIntervalMs);
  }

  private async syncPass(): Promise<void> {
    const retired = this.retired;
    this.retired = [];
    const fds = this.writer ? [...retired, this.writer.fd] : retired;
    const dirDirty = this.dirDirty;
    this.dirDirty = false;
    for (const fd of fds) {
      try {
        await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      } catch (err) {
        this.log.warn('cannot fsync the disk buffer', { error: errorText(err), dir: this.dir });
      }
    }
    for (const fd of retired) closeQuietly(fd);
    if (dirDirty) await syncDirectory(this.dir);
  }

  private readSegment(segment: Segment): OutboxEvent[] {
    const lines = readFileSync(segment.path, 'utf8').split('\n');
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
    segment.acked = Math.min(segment.acked, events.length);
    return events.slice(segment.acked);
  }

  private dropOldest(): void {
    const segment = this.segments[0];
    this.countDropped(segment.lines - segment.acked, 'disk buffer cap reached; dropped the oldest buffered events', {
      file: segment.path,
      max_bytes: this.maxBytes,
    });
    if (this.writer?.segment === segment) this.retireWriter();
    this.removeHead();
  }

  private removeHead(): void {
    const segment = this.segments.shift();
    if (segment) unlinkQuietly(segment.path);
  }

  private countDropped(count: number, msg: string, fields: Record<string, unknown> = {}, level: 'warn' | 'error' = 'warn'): void {
    if (count <= 0) return;
    this.droppedEvents += count;
    this.log[level](msg, { ...fields, dropped: count, dropped_total: this.droppedEvents });
  }
}

function countLines(data: Buffer): number {
  let lines = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lines++;
  return lines;
}

/** The saved position: files older than `stamp` are all accepted, and `acked` events of that file. */
function readAckFile(path: string): { stamp: number; acked: number } {
  try {
    const { stamp, acked } = JSON.parse(readFileSync(path, 'utf8')) as { stamp?: unknown; acked?: unknown };
    if (Number.isSafeInteger(stamp) && Number.isSafeInteger(acked)) return { stamp: stamp as number, acked: acked as number };
  } catch {
    // none yet, or unreadable: start from the beginning (the backend dedups what is sent again)
  }
  return { stamp: 0, acked: 0 };
}

/** Written aside and renamed over the old one, so a crash leaves either the old or the new position. */
function writeAckFile(path: string, stamp: number, acked: number): void {
  writeFileSync(`${path}.tmp`, JSON.stringify({ stamp, acked }));
  renameSync(`${path}.tmp`, path);
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

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    this.path = join(dir, 'dead_letter.jsonl');
  }

  async append(records: readonly DeadLetter[]): Promise<void> {
    if (records.length === 0) return;
    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed or never fully opened: nothing left to release
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot delete ${path}: ${errorText(err)}`);
  }
}
