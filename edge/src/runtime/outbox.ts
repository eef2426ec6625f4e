// One camera's way to the backend: events are stamped with an event_id, batched by size and time, and
// POSTed. When the backend cannot take them (unreachable, 5xx, 429, or it refuses the camera's key)
// they go to disk and are replayed oldest first once it answers again. Order per camera is strict:
// while anything is on disk, new events queue on disk behind it. The backend dedups on event_id, so a
// batch re-sent after a lost answer is stored once.
//
// Disk budget: buffer.max_mb is for the whole device and split evenly across the cameras (a camera's
// outage must not eat another camera's buffer); of a camera's share, 90% holds buffered events and 10%
// its dead letters. Past the cap the oldest buffered events are dropped and counted.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { storeEventSchema, formatPath, type EventBatch, type StoreEvent } from '../../../shared/src/events.ts';
import { Backoff } from './backoff.ts';
import type { CameraConfig, EdgeConfig } from './config.ts';
import { DeadLetterFile, DiskBuffer, type DeadLetter, type OutboxEvent } from './disk-buffer.ts';
import { IngestApi, type Delivery } from './ingest-api.ts';
import { errorText, type Logger } from './log.ts';

export type { OutboxEvent };

export interface OutboxOptions {
  apiBase: string;
  apiKey: string;
  orgId: string;
  storeId: string;
  cameraId: string;
  /** This camera's directory (buffers/<camera_id>). */
  dir: string;
  maxEvents: number;
  maxWaitMs: number;
  /** This camera's share of the disk budget, buffered events and dead letters together. */
  maxDiskBytes: number;
  requestTimeoutMs: number;
  /** Replay backoff after a failed attempt. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  log: Logger;
}

export interface OutboxCounters {
  sentCount: number;
  bufferedCount: number;
  pendingCount: number;
  droppedCount: number;
  deadLetterCount: number;
}

const MIB = 1024 * 1024;

export class EventOutbox {
  private pending: OutboxEvent[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private drainQueued = false;
  /** Every disk and network step runs on this chain, one after the other: that is what keeps the order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly shutdown = new AbortController();
  private deadlineAt = Infinity;
  private flushing: Promise<void> | null = null;
  private sent = 0;
  private deadLettered = 0;
  private failing: string | null = null;
  private readonly backoff: Backoff;
  private readonly api: IngestApi;
  private readonly deadLetters: DeadLetterFile;

  private constructor(
    private readonly options: OutboxOptions,
    private readonly disk: DiskBuffer,
  ) {
    this.backoff = new Backoff({ initialMs: options.retryInitialMs ?? 1000, maxMs: options.retryMaxMs ?? 60_000 });
    this.api = new IngestApi(options.apiBase, options.requestTimeoutMs);
    this.deadLetters = new DeadLetterFile(options.dir, Math.floor(options.maxDiskBytes * 0.05));
  }

  /** Opens the camera's buffer directory; events left there by a previous run are replayed first. */
  static async open(options: OutboxOptions): Promise<EventOutbox> {
    const disk = await DiskBuffer.open(options.dir, Math.floor(options.maxDiskBytes * 0.9), options.log);
    const outbox = new EventOutbox(options, disk);
    if (!disk.isEmpty) outbox.run(() => outbox.replay());
    return outbox;
  }

  /** The outbox for one camera of a validated config. */
  static forCamera(config: EdgeConfig, camera: CameraConfig, log: Logger): Promise<EventOutbox> {
    return EventOutbox.open({
      apiBase: config.api_base,
      apiKey: camera.api_key,
      orgId: config.org_id,
      storeId: config.store_id,
      cameraId: camera.camera_id,
      dir: join(config.buffer.dir, camera.camera_id),
      maxEvents: config.batch.max_events,
      maxWaitMs: config.batch.max_wait_ms,
      maxDiskBytes: Math.floor((config.buffer.max_mb * MIB) / config.cameras.length),
      requestTimeoutMs: config.request_timeout_ms,
      log,
    });
  }

  get counters(): OutboxCounters {
    return {
      sentCount: this.sent,
      bufferedCount: this.disk.eventCount,
      pendingCount: this.pending.length,
      droppedCount: this.disk.droppedCount,
      deadLetterCount: this.deadLettered,
    };
  }
  get sentCount(): number { return this.sent; }
  get bufferedCount(): number { return this.disk.eventCount; }
  get droppedCount(): number { return this.disk.droppedCount; }
  get deadLetterCount(): number { return this.deadLettered; }

  /**
   * Stamps each event with a unique event_id (keeping one it already has) and queues it. An event
   * that breaks the contract goes straight to the dead letters, so it cannot sink a whole batch.
   */
  enqueue(events: readonly StoreEvent[]): OutboxEvent[] {
    if (this.flushing) throw new Error(`outbox of ${this.options.cameraId} is shut down`);
    const accepted: OutboxEvent[] = [];
    const invalid: DeadLetter[] = [];
    for (const e of events) {
      const event = { ...e, event_id: e.event_id ?? randomUUID() } as OutboxEvent;
      const check = storeEventSchema.safeParse(event);
      if (check.success) accepted.push(event);
      else {
        const issue = check.error.issues[0];
        invalid.push(deadLetter(null, `invalid event: ${formatPath(issue.path)}: ${issue.message}`, event));
      }
    }
    if (invalid.length > 0) this.run(() => this.writeDeadLetters(invalid));
    if (accepted.length === 0) return accepted;
    this.pending.push(...accepted);
    if (this.pending.length >= this.options.maxEvents) this.queueDrain();
    else if (!this.batchTimer) this.batchTimer = setTimeout(() => this.queueDrain(), this.options.maxWaitMs);
    return accepted;
  }

  /**
   * For shutdown: sends what it can until `deadlineMs` from now, writes the rest to disk, and closes.
   * Resolves shortly after the deadline at the latest (an unanswered request is cut off).
   */
  flush(deadlineMs: number): Promise<void> {
    this.flushing ??= this.shutDown(deadlineMs);
    return this.flushing;
  }

  private async shutDown(deadlineMs: number): Promise<void> {
    this.deadlineAt = Date.now() + deadlineMs;
    this.clearTimers();
    const cutOff = setTimeout(() => this.shutdown.abort(), deadlineMs);
    const wasFailing = this.failing !== null;
    this.run(async () => {
      await this.drain();
      // One replay pass if the backend was answering; after a recent failure, don't spend the deadline on it.
      if (!wasFailing && this.failing === null) await this.replay();
    });
    await this.chain;
    clearTimeout(cutOff);
    this.clearTimers();
    await this.disk.close();
    this.options.log.info('outbox flushed', { ...this.counters });
  }

  // -------------------------------------------------------------------------------------------

  private run(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      // A disk or programming error must not stop the camera; the step's events stay where they were,
      // and a later replay retries whatever is on disk (nothing else would wake it up).
      this.options.log.error('outbox step failed', { error: errorText(err) });
      if (!this.pastDeadline() && !this.retryTimer && !this.disk.isEmpty) this.scheduleReplay(this.backoff.next());
    });
    return this.chain;
  }

  private queueDrain(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.drainQueued) return;
    this.drainQueued = true;
    this.run(() => {
      this.drainQueued = false;
      return this.drain();
    });
  }

  /** Sends the queued events in batches, or spools them behind what is already on disk. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxEvents);
      if (!this.disk.isEmpty || this.pastDeadline()) {
        await this.spool(batch);
        continue;
      }
      const delivery = await this.deliver(batch);
      if (delivery.outcome === 'retry') await this.spool(batch);
      await this.settle(delivery, batch);
    }
  }

  /** Re-sends buffered events, oldest first, until the disk is empty or an attempt fails. */
  private async replay(): Promise<void> {
    let replayed = 0;
    while (!this.disk.isEmpty && !this.pastDeadline()) {
      const batch = await this.disk.peek(this.options.maxEvents);
      if (batch.length === 0) break;
      const delivery = await this.deliver(batch);
      await this.settle(delivery, batch); // dead letters are written before the file lets go of them
      if (delivery.outcome === 'retry') return;
      await this.disk.ack(batch.length);
      replayed += batch.length;
    }
    if (replayed > 0) this.options.log.info('replayed buffered events', { replayed, still_buffered: this.disk.eventCount });
  }

  private async settle(delivery: Delivery, batch: readonly OutboxEvent[]): Promise<void> {
    const { log } = this.options;
    switch (delivery.outcome) {
      case 'accepted':
        this.sent += batch.length;
        this.backoff.reset();
        if (this.failing !== null) log.info('backend accepts events again', { buffered: this.disk.eventCount });
        this.failing = null;
        return;
      case 'retry': {
        if (this.pastDeadline()) return; // shutting down: the events are on disk, nothing to schedule
        const waitMs = Math.max(this.backoff.next(), delivery.retryAfterMs ?? 0);
        // Say it once per kind of failure, not on every attempt.
        if (this.failing !== delivery.reason) {
          const level = delivery.status === 401 || delivery.status === 403 ? 'error' : 'warn';
          log[level]('cannot deliver events; buffering them on disk and retrying', { reason: delivery.reason, buffered: this.disk.eventCount });
        }
        this.failing = delivery.reason;
        this.scheduleReplay(waitMs);
        return;
      }
      case 'rejected':
        log.error('backend rejected a batch for good; moved it to the dead letters', {
          status: delivery.status, reason: delivery.message, events: batch.length, file: this.deadLetters.path,
        });
        await this.writeDeadLetters(batch.map((e) => deadLetter(delivery.status, delivery.message, e)));
        return;
    }
  }

  private scheduleReplay(waitMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.run(() => this.replay());
    }, waitMs);
  }

  private async deliver(events: readonly OutboxEvent[]): Promise<Delivery> {
    if (this.pastDeadline()) return { outcome: 'retry', reason: 'shutting down' };
    const batch: EventBatch = {
      org_id: this.options.orgId,
      store_id: this.options.storeId,
      camera_id: this.options.cameraId,
      device_ts: new Date().toISOString(),
      events: events as StoreEvent[],
    };
    return this.api.postEvents(batch, this.options.apiKey, this.shutdown.signal);
  }

  private async spool(batch: readonly OutboxEvent[]): Promise<void> {
    try {
      await this.disk.append(batch);
    } catch (err) {
      // A full or broken disk: these events are lost, but the camera keeps running.
      this.options.log.error('cannot write events to the disk buffer; they are lost', { error: errorText(err), events: batch.length });
    }
  }

  private async writeDeadLetters(records: readonly DeadLetter[]): Promise<void> {
    this.deadLettered += records.length;
    await this.deadLetters.append(records);
  }

  private pastDeadline(): boolean {
    return Date.now() >= this.deadlineAt || this.shutdown.signal.aborted;
  }

  private clearTimers(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.batchTimer = this.retryTimer = null;
  }
}

function deadLetter(status: number | null, reason: string, event: unknown): DeadLetter {
  return { dead_lettered_at: new Date().toISOString(), status, reason, event };
}
