// One camera's way to the backend: events are stamped with an event_id and appended to the camera's
// write-ahead log on disk (disk-buffer.ts) before anything else happens to them; batches are taken from
// the head of the log, by size and time, POSTed, and leave the log only once the backend has them. So a
// crash, a kill or an outage loses nothing that reached the log, and order per camera is strict: the log
// is sent oldest first. The backend dedups on event_id, so a batch re-sent after a lost answer (or after
// a restart that came before the acknowledged position was saved) is stored once.
//
// One bad event never holds up a camera: a 400 naming it sets aside only that event, and a batch that
// keeps getting 5xx is sent in halves until the one event the backend fails on is alone, which is then
// set aside if the backend reports itself healthy (see nextMove). 429, 503, 401/403 and network errors
// only ever wait and retry.
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
  /** How often the log is fsync'd: what a power cut can lose (disk-buffer.ts). */
  fsyncIntervalMs?: number;
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
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pumpQueued = false;
  /** Every network step runs on this chain, one after the other: that is what keeps the order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly shutdown = new AbortController();
  private deadlineAt = Infinity;
  private flushing: Promise<void> | null = null;
  private sent = 0;
  private deadLettered = 0;
  private failing: string | null = null;
  private narrowing: Narrowing;
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
    this.narrowing = wholeBatches(options.maxEvents);
  }

  /** Opens the camera's log; events a previous run left there are sent first. */
  static async open(options: OutboxOptions): Promise<EventOutbox> {
    const disk = await DiskBuffer.open(options.dir, Math.floor(options.maxDiskBytes * 0.9), options.log, { fsyncIntervalMs: options.fsyncIntervalMs });
    const outbox = new EventOutbox(options, disk);
    if (!disk.isEmpty) outbox.queuePump();
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
      pendingCount: 0, // every event is in the log (bufferedCount) from the moment it is queued
      droppedCount: this.disk.droppedCount,
      deadLetterCount: this.deadLettered,
    };
  }
  get sentCount(): number {
    return this.sent;
  }
  get bufferedCount(): number {
    return this.disk.eventCount;
  }
  get droppedCount(): number {
    return this.disk.droppedCount;
  }
  get deadLetterCount(): number {
    return this.deadLettered;
  }

  /**
   * Stamps each event with a unique event_id (keeping one it already has) and appends it to the log
   * before anything else happens to it: once this returns, the events survive the process being killed.
   * An event that breaks the contract goes straight to the dead letters, so it cannot sink a batch.
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
    this.disk.append(accepted);
    // While a retry is scheduled the log just grows; it is sent from the head when the retry comes.
    if (this.retryTimer) return accepted;
    if (this.disk.eventCount >= this.options.maxEvents) this.queuePump();
    else this.armBatchTimer();
    return accepted;
  }

  /**
   * For shutdown: sends what it can until `deadlineMs` from now (the rest is already on disk), then
   * fsyncs and closes the log. Resolves shortly after the deadline at the latest (an unanswered request
   * is cut off).
   */
  flush(deadlineMs: number): Promise<void> {
    this.flushing ??= this.shutDown(deadlineMs);
    return this.flushing;
  }

  private async shutDown(deadlineMs: number): Promise<void> {
    this.deadlineAt = Date.now() + deadlineMs;
    this.clearTimers();
    const cutOff = setTimeout(() => this.shutdown.abort(), deadlineMs);
    // After a recent failure, don't spend the deadline on the backend: the events wait on disk.
    if (this.failing === null) this.run(() => this.pump());
    await this.chain;
    clearTimeout(cutOff);
    this.clearTimers();
    await this.disk.close();
    this.options.log.info('outbox flushed', { ...this.counters });
  }

  // -------------------------------------------------------------------------------------------

  private run(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      // A disk or programming error must not stop the camera; the events stay in the log, and a later
      // attempt retries them (nothing else would wake it up).
      this.options.log.error('outbox step failed', { error: errorText(err) });
      if (!this.pastDeadline() && !this.retryTimer && !this.disk.isEmpty) this.scheduleRetry(this.backoff.next());
    });
    return this.chain;
  }

  private queuePump(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    this.run(() => {
      this.pumpQueued = false;
      return this.pump();
    });
  }

  /** A partial batch goes max_wait_ms later, unless it fills up first. */
  private armBatchTimer(): void {
    if (this.batchTimer || this.flushing || this.disk.isEmpty) return;
    this.batchTimer = setTimeout(() => this.queuePump(), this.options.maxWaitMs);
  }

  /**
   * Sends the log from its head, a batch at a time, until it is caught up (what is left is a partial
   * batch) or an attempt has to wait; while shutting down, until it is empty or the deadline passes.
   */
  private async pump(): Promise<void> {
    while (!this.pastDeadline()) {
      const batch = this.disk.peek(this.narrowing.limit);
      if (batch.length === 0) return;
      const next = await this.settle(await this.deliver(batch), batch);
      if (next === 'wait') return;
      const caughtUp = next === 'sent' && this.narrowing.suspect === 0 && this.disk.eventCount < this.options.maxEvents;
      if (caughtUp && !this.flushing) return this.armBatchTimer();
    }
  }

  /** Acts on the backend's answer for the batch at the head of the log: what to do next. */
  private async settle(delivery: Delivery, batch: readonly OutboxEvent[]): Promise<'sent' | 'again' | 'wait'> {
    const { log } = this.options;
    const { state, move } = nextMove(this.narrowing, batch.length, delivery, this.options.maxEvents, SERVER_ERRORS_BEFORE_HALVING);
    this.narrowing = state;
    switch (move.kind) {
      case 'ack':
        this.disk.ack(batch);
        this.sent += batch.length;
        this.backoff.reset();
        if (this.failing !== null) log.info('backend accepts events again', { buffered: this.disk.eventCount });
        this.failing = null;
        return 'sent';
      case 'halve':
        log.warn('backend keeps failing on a batch; sending it in halves to find the event it cannot take', {
          status: move.status,
          reason: move.reason,
          events: batch.length,
        });
        this.backoff.reset(); // each half gets its own short retries
        return 'again';
      case 'again':
        return 'again';
      case 'dead-letter-if-healthy':
        // A 5xx for every request is an outage, not a bad event: set nothing aside unless the backend says it is fine.
        if (!(await this.api.healthy(this.shutdown.signal))) return this.wait(delivery);
        await this.setAside(batch[0], move.status, move.reason);
        return 'again';
      case 'dead-letter':
        await this.setAside(batch[0], move.status, move.reason);
        return 'again';
      case 'wait':
        return this.wait(delivery);
    }
  }

  private wait(delivery: Delivery): 'wait' {
    if (delivery.outcome !== 'retry' || this.flushing || this.pastDeadline()) return 'wait'; // shutting down: the events are on disk
    const waitMs = Math.max(this.backoff.next(), delivery.retryAfterMs ?? 0);
    // Say it once per kind of failure, not on every attempt.
    if (this.failing !== delivery.reason) {
      const level = delivery.status === 401 || delivery.status === 403 ? 'error' : 'warn';
      this.options.log[level]('cannot deliver events; buffering them on disk and retrying', { reason: delivery.reason, buffered: this.disk.eventCount });
    }
    this.failing = delivery.reason;
    this.scheduleRetry(waitMs);
    return 'wait';
  }

  /** The head event goes to the dead letters (written and synced first), then leaves the log. */
  private async setAside(event: OutboxEvent, status: number, reason: string): Promise<void> {
    this.options.log.error('backend refused an event for good; moved it to the dead letters, sending the rest', {
      status,
      reason,
      event_id: event.event_id,
      file: this.deadLetters.path,
    });
    await this.writeDeadLetters([deadLetter(status, reason, event)]);
    this.disk.ack([event]);
  }

  private scheduleRetry(waitMs: number): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.batchTimer = null;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.queuePump();
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

/** Consecutive 5xx answers for the batch at the head before it is sent in halves. */
export const SERVER_ERRORS_BEFORE_HALVING = 3;

/** How far the outbox has narrowed the head of the log down to an event the backend cannot take. */
export interface Narrowing {
  /** The largest batch to send next. */
  limit: number;
  /** Leading events of the log known to hold one the backend failed on; 0 when none is suspected. */
  suspect: number;
  /** Consecutive 5xx answers (other than 503) for the batch at the head. */
  streak: number;
}

export type Move =
  /** Stored: the batch leaves the log. */
  | { kind: 'ack' }
  /** Send a smaller batch at once (the new limit). */
  | { kind: 'again' }
  | { kind: 'halve'; status: number; reason: string }
  /** Set the event at the head aside with the backend's reason, then go on. */
  | { kind: 'dead-letter'; status: number; reason: string }
  /** The same, but only if the backend says it is healthy (else it is an outage: wait). */
  | { kind: 'dead-letter-if-healthy'; status: number; reason: string }
  /** Send the same head again after a backoff. */
  | { kind: 'wait' };

export function wholeBatches(maxEvents: number): Narrowing {
  return { limit: maxEvents, suspect: 0, streak: 0 };
}

/**
 * What to do after the backend answered a batch taken from the head of the log. A 400 naming an event
 * sends the events before it first, so it comes to the head alone and is set aside; a refusal that
 * names none, and a 5xx that keeps coming, are narrowed down by halving. 429, 503, 401/403 and network
 * errors only ever wait: those are about the backend or the key, never about the events.
 */
export function nextMove(state: Narrowing, batchLength: number, delivery: Delivery, maxEvents: number, maxStreak: number): { state: Narrowing; move: Move } {
  const whole = wholeBatches(maxEvents);
  const halve = (suspect: number): Narrowing => ({ limit: Math.ceil(suspect / 2), suspect, streak: 0 });
  switch (delivery.outcome) {
    case 'accepted': {
      // The rest of a suspect range still holds the bad event: halve it again.
      const suspect = state.suspect - batchLength;
      return { state: suspect > 0 ? halve(suspect) : whole, move: { kind: 'ack' } };
    }
    case 'rejected': {
      const { status, message: reason, eventIndex } = delivery;
      if (batchLength === 1 || eventIndex === 0) return { state: whole, move: { kind: 'dead-letter', status, reason } };
      if (eventIndex !== undefined && eventIndex < batchLength) return { state: { ...whole, limit: eventIndex }, move: { kind: 'again' } };
      return { state: halve(batchLength), move: { kind: 'again' } };
    }
    case 'retry': {
      const { status, reason } = delivery;
      if (status === undefined || status < 500 || status === 503) return { state, move: { kind: 'wait' } };
      const streak = state.streak + 1;
      if (streak < maxStreak) return { state: { ...state, streak }, move: { kind: 'wait' } };
      if (batchLength > 1) return { state: halve(batchLength), move: { kind: 'halve', status, reason } };
      return {
        state: { ...state, streak },
        move: { kind: 'dead-letter-if-healthy', status, reason: `${reason} (${streak} times for this event alone, while the backend reported itself healthy)` },
      };
    }
  }
}

function deadLetter(status: number | null, reason: string, event: unknown): DeadLetter {
  return { dead_lettered_at: new Date().toISOString(), status, reason, event };
}
