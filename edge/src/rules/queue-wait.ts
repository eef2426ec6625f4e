// Queue waiting time: a stay in the queue area, from joining it to leaving it (served or gave up).

import type { QueueEvent } from '../../../shared/src/events.ts';
import { isoTimestamp, roundedSeconds, type UnsentEvent } from './frame-rule.ts';
import { VisitRule, type ZoneVisit } from './zone-dwell.ts';

export type UnsentQueueEvent = UnsentEvent<QueueEvent>;

/** Emits one `queue` event per completed wait; exposes live queue lengths for the heartbeat. */
export class QueueWaitTracker extends VisitRule<UnsentQueueEvent> {
  /** People in the queue right now. */
  currentLength(queueId: string): number {
    return this.currentCount(queueId);
  }

  /** currentLength for every queue, e.g. `{ checkout_1: 3 }` for the heartbeat's status_data. */
  lengths(): Record<string, number> {
    return this.occupancy();
  }

  protected toEvent(v: ZoneVisit): UnsentQueueEvent {
    return {
      type: 'queue',
      ts: isoTimestamp(v.exitMs),
      queue_id: v.zoneId,
      enter_ts: isoTimestamp(v.enterMs),
      exit_ts: isoTimestamp(v.exitMs),
      wait_seconds: roundedSeconds(v.exitMs - v.enterMs),
      person_key: this.personKey(v.trackId),
    };
  }
}
