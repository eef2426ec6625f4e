import type { Logger } from '@nestjs/common';

/** A listener of one event: may be async; its failure is logged, never thrown at the emitter. */
export type EventListener<P> = (payload: P) => Promise<void> | void;

/**
 * In-process events of one module, typed by a map of event name → payload declared once (e.g. IngestEvents).
 * `emit` runs every listener side by side and resolves when all have settled: a failing listener is logged and
 * does not stop the others nor fail the emitter (whose work, e.g. rows in PostgreSQL, is already done).
 *
 * Not @nestjs/event-emitter: its payloads are untyped (`...values: any[]`), `emitAsync` rejects on the first
 * failing listener (Promise.all) instead of waiting for all, and it would be one more dependency for ~20 lines.
 */
export class TypedEvents<M extends object> {
  private readonly listeners = new Map<keyof M, EventListener<never>[]>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof M>(event: K, listener: EventListener<M[K]>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as EventListener<never>);
    this.listeners.set(event, list);
  }

  /** Awaits all listeners of `event` (allSettled); each failure is logged as "<context>: <reason>". */
  async emit<K extends keyof M>(event: K, payload: M[K], context: string = String(event)): Promise<void> {
    const list = (this.listeners.get(event) ?? []) as EventListener<M[K]>[];
    const outcomes = await Promise.allSettled(list.map(async (l) => l(payload)));
    for (const o of outcomes) if (o.status === 'rejected') this.logger.warn(`${context}: ${o.reason instanceof Error ? o.reason.message : o.reason}`);
  }
}
