// Queue waiting time: a stay in the queue area, from joining it to leaving it (served or gave up).

import type { Polygon } from '../vision/geometry.ts';
import type { QueueEvent } from '../../../shared/src/events.ts';
import { isoTimestamp, roundedSeconds, type FrameRule, type PersonKey, type TrackFoot, type UnsentEvent } from './frame-rule.ts';
import { ZonePresenceTracker, type ZonePresenceOptions, type ZoneVisit } from './zone-dwell.ts';

export interface QueueWaitOptions extends ZonePresenceOptions {
  personKey: PersonKey;
}

export type UnsentQueueEvent = UnsentEvent<QueueEvent>;

/** Emits one `queue` event per completed wait; exposes live queue lengths for the heartbeat. */
export class QueueWaitTracker implements FrameRule<UnsentQueueEvent> {
  private readonly presence: ZonePresenceTracker;
  private readonly personKey: PersonKey;

  constructor(queues: Readonly<Record<string, Polygon>>, opts: Partial<QueueWaitOptions> & Pick<QueueWaitOptions, 'personKey'>) {
    this.presence = new ZonePresenceTracker(queues, opts);
    this.personKey = opts.personKey;
  }

  update(tracks: ReadonlyArray<TrackFoot>, timestampMs: number): UnsentQueueEvent[] {
    return this.toEvents(this.presence.update(tracks, timestampMs));
  }

  removeTracks(ids: Iterable<number>, timestampMs: number): UnsentQueueEvent[] {
    return this.toEvents(this.presence.removeTracks(ids, timestampMs));
  }

  close(timestampMs: number): UnsentQueueEvent[] {
    return this.toEvents(this.presence.close(timestampMs));
  }

  /** People in the queue right now. */
  currentLength(queueId: string): number {
    return this.presence.currentCount(queueId);
  }

  /** currentLength for every queue, e.g. `{ checkout_1: 3 }` for the heartbeat's status_data. */
  lengths(): Record<string, number> {
    return this.presence.occupancy();
  }

  private toEvents(visits: ZoneVisit[]): UnsentQueueEvent[] {
    return visits.map((v) => ({
      type: 'queue',
      ts: isoTimestamp(v.exitMs),
      queue_id: v.zoneId,
      enter_ts: isoTimestamp(v.enterMs),
      exit_ts: isoTimestamp(v.exitMs),
      wait_seconds: roundedSeconds(v.exitMs - v.enterMs),
      person_key: this.personKey(v.trackId),
    }));
  }
}
