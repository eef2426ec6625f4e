import { deriveEventId, describeIssue, eventBatchSchema, findFutureTimestamp, formatPath } from './events.ts';

const batch = {
  org_id: 'org', store_id: 'store_demo_001', camera_id: 'cam_entrance_01', device_ts: '2024-01-15T10:30:00Z',
  events: [
    { type: 'entrance', ts: '2024-01-15T10:30:00Z', direction: 'in', person_key: 'p1' },
    { type: 'zone', ts: '2024-01-15T10:31:00Z', zone_id: 'electronics', enter_ts: '2024-01-15T10:30:00Z', exit_ts: '2024-01-15T10:31:00Z', dwell_seconds: 60, person_key: 'p1' },
  ],
};

describe('event contract', () => {
  it('accepts the guide example shapes', () => {
    expect(eventBatchSchema.safeParse(batch).success).toBe(true);
  });

  it.each([
    [{ ...batch.events[1], dwell_seconds: -1 }, 'events[0].dwell_seconds', 'must not be negative'],
    [{ ...batch.events[1], exit_ts: '2024-01-15T10:29:00Z' }, 'events[0].exit_ts', 'must not be before enter_ts'],
    [{ ...batch.events[0], direction: 'sideways' }, 'events[0].direction', 'must be "in" or "out"'],
    [{ ...batch.events[0], person_key: undefined }, 'events[0].person_key', 'is required'],
    [{ ...batch.events[0], colour: 'red' }, 'events[0].colour', 'is not a known field'],
    [{ ...batch.events[0], type: 'teleport' }, 'events[0].type', 'must have a "type" of entrance, zone, shelf, queue'],
    [{ ...batch.events[0], ts: 'yesterday' }, 'events[0].ts', 'must be an ISO 8601 timestamp with a time zone (e.g. 2024-01-15T10:30:00Z)'],
  ])('rejects %j naming %s', (event, field, message) => {
    const input = { ...batch, events: [event] };
    const r = eventBatchSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(describeIssue(r.error!, input)).toEqual({ field, message, event_index: 0 });
  });

  it('finds a timestamp more than 5 minutes ahead', () => {
    const now = Date.parse('2024-01-15T10:20:00Z');
    expect(findFutureTimestamp(eventBatchSchema.parse(batch), now)).toEqual({
      field: 'events[0].ts', message: 'is more than 5 minutes in the future', event_index: 0,
    });
    expect(findFutureTimestamp(eventBatchSchema.parse(batch), now + 11 * 60_000)).toBeNull();
  });

  it('derives the same id for the same content, ignoring key order', () => {
    const a = deriveEventId({ type: 'entrance', ts: '2024-01-15T10:30:00Z', direction: 'in', person_key: 'p1' });
    const b = deriveEventId({ person_key: 'p1', direction: 'in', ts: '2024-01-15T10:30:00Z', type: 'entrance' });
    const c = deriveEventId({ type: 'entrance', ts: '2024-01-15T10:30:00Z', direction: 'out', person_key: 'p1' });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('formats paths', () => {
    expect(formatPath(['events', 3, 'zone_id'])).toBe('events[3].zone_id');
    expect(formatPath([])).toBe('(body)');
  });
});

describe('event contract limits', () => {
  it.each([
    [{ person_key: 'a\u0000b' }, 'events[0].person_key', 'must not contain control characters'],
    [{ dwell_seconds: 90_000 }, 'events[0].dwell_seconds', 'must be at most 86400 (one day)'],
  ])('rejects %j', (patch, field, message) => {
    const input = { ...batch, events: [{ ...batch.events[1], ...patch }] };
    const r = eventBatchSchema.safeParse(input);
    expect(describeIssue(r.error!, input)).toMatchObject({ field, message });
  });
});
