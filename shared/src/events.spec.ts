import {
  deriveEventId,
  describeIssue,
  eventBatchSchema,
  findFutureTimestamp,
  formatPath,
  heartbeatSchema,
  MAX_STATUS_BYTES,
  safeName,
  safeTimestamp,
} from './events.ts';

const batch = {
  org_id: 'org',
  store_id: 'store_demo_001',
  camera_id: 'cam_entrance_01',
  device_ts: '2024-01-15T10:30:00Z',
  events: [
    { type: 'entrance', ts: '2024-01-15T10:30:00Z', direction: 'in', person_key: 'p1' },
    {
      type: 'zone',
      ts: '2024-01-15T10:31:00Z',
      zone_id: 'electronics',
      enter_ts: '2024-01-15T10:30:00Z',
      exit_ts: '2024-01-15T10:31:00Z',
      dwell_seconds: 60,
      person_key: 'p1',
    },
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
      field: 'events[0].ts',
      message: 'is more than 5 minutes in the future',
      event_index: 0,
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

/** Everything PostgreSQL would refuse (or store as something else) is refused by the contract first. */
describe('what PostgreSQL can store', () => {
  const event = (patch: Record<string, unknown>, i = 1) => {
    const events: Record<string, unknown>[] = batch.events.map((e) => ({ ...e }));
    events[i] = { ...events[i], ...patch };
    return { ...batch, events };
  };
  const refusal = (schema: { safeParse(v: unknown): { success: boolean; error?: any } }, input: unknown) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    return describeIssue(r.error, input);
  };
  const OFFSET = 'must have a UTC offset between -15:59 and +15:59';
  const YEARS = 'must be in the years 2000 to 2100';
  const NUL = 'must not contain NUL characters (\\u0000)';
  const SURROGATE = 'must be valid Unicode (no lone surrogate such as \\ud800)';

  it.each([
    ['an offset of +23:59', { ts: '2026-12-01T10:00:00+23:59' }, 'events[1].ts', OFFSET],
    ['an offset of +16:00', { enter_ts: '2024-01-15T10:30:00+16:00' }, 'events[1].enter_ts', OFFSET],
    ['an offset of -16:00', { exit_ts: '2024-01-15T10:31:00-16:00' }, 'events[1].exit_ts', OFFSET],
    ['year 0000', { ts: '0000-01-01T00:00:00Z' }, 'events[1].ts', YEARS],
    ['year 1999', { enter_ts: '1999-12-31T23:59:59Z' }, 'events[1].enter_ts', YEARS],
    ['year 2101', { exit_ts: '2101-01-01T00:00:00Z' }, 'events[1].exit_ts', YEARS],
    ['a lone high surrogate in event_id', { event_id: 'r-\ud800' }, 'events[1].event_id', SURROGATE],
    ['a lone low surrogate in event_id', { event_id: 'r-\udfff' }, 'events[1].event_id', SURROGATE],
    ['a reversed pair in zone_id', { zone_id: 'z\udc00\ud800' }, 'events[1].zone_id', SURROGATE],
    ['NUL in zone_id', { zone_id: 'z\u0000' }, 'events[1].zone_id', 'must not contain control characters'],
  ])('refuses %s in an event', (_name, patch, field, message) => {
    expect(refusal(eventBatchSchema, event(patch))).toEqual({ field, message, event_index: 1 });
  });

  it.each([
    ['+05:30', '2024-01-15T10:30:00+05:30'],
    ['-15:59', '2024-01-15T10:30:00-15:59'],
    ['+15:59', '2024-01-15T10:30:00+15:59'],
    ['Z', '2024-01-15T10:30:00Z'],
    ['fractions', '2024-01-15T10:30:00.123456Z'],
    ['year 2000', '2000-01-01T00:00:00Z'],
    ['year 2100', '2100-12-31T23:59:59Z'],
  ])('accepts the timestamp with %s', (_name, ts) => {
    expect(safeTimestamp.safeParse(ts).success).toBe(true);
    expect(eventBatchSchema.safeParse(event({ ts, enter_ts: ts, exit_ts: ts })).success).toBe(true);
  });

  it('refuses device_ts beyond the offsets or years', () => {
    expect(refusal(eventBatchSchema, { ...batch, device_ts: '2024-01-15T10:30:00-23:00' })).toEqual({ field: 'device_ts', message: OFFSET });
    expect(refusal(heartbeatSchema, { ...batch, events: undefined, device_ts: '0000-01-01T00:00:00Z' })).toEqual({ field: 'device_ts', message: YEARS });
  });

  it('accepts a surrogate pair (an emoji) and non-Latin text in ids', () => {
    expect(eventBatchSchema.safeParse(event({ event_id: 'r-😀', zone_id: 'Café Ü 店' })).success).toBe(true);
  });

  it.each([
    ['NUL', 'Acme\u0000', NUL],
    ['a lone surrogate', 'Acme \ud800', SURROGATE],
    ['nothing but spaces', '   ', 'must not be empty'],
    ['201 characters', 'x'.repeat(201), 'must be at most 200 characters'],
  ])('refuses a name with %s', (_name, name, message) => {
    expect(refusal(safeName, name)).toEqual({ field: '(body)', message });
  });

  it.each([['Café Ü 店'], ['Straße 😀'], ['tab\there']])('accepts the name %j', (name) => {
    expect(safeName.safeParse(name).success).toBe(true);
  });

  describe('heartbeat status_data', () => {
    const hb = (status_data: unknown) => ({ org_id: 'org', store_id: 's', camera_id: 'c', device_ts: '2024-01-15T10:30:00Z', status_data });
    const nested = (levels: number) => {
      let v: Record<string, unknown> = {};
      for (let i = 1; i < levels; i++) v = { a: v };
      return v;
    };

    it.each([
      ['NUL in a value', { state: 'ok\u0000' }, 'status_data.state', NUL],
      ['a lone surrogate deep in an array', { log: ['fine', { msg: '\udc00' }] }, 'status_data.log[1].msg', SURROGATE],
      ['NUL in a key', { sensors: { 'a\u0000': 1 } }, 'status_data.sensors', `keys ${NUL}`],
      ['9 levels', nested(9), 'status_data.a.a.a.a.a.a.a.a', 'is nested more than 8 levels deep'],
      ['100,000 levels', nested(100_000), 'status_data.a.a.a.a.a.a.a.a', 'is nested more than 8 levels deep'],
      ['more than 16 KB', { blob: 'x'.repeat(MAX_STATUS_BYTES) }, 'status_data', `must be at most 16384 bytes as JSON (is ${MAX_STATUS_BYTES + 11})`],
      ['an array', [1, 2], 'status_data', 'must be an object'],
    ])('refuses %s', (_name, status_data, field, message) => {
      expect(refusal(heartbeatSchema, hb(status_data))).toEqual({ field, message });
    });

    it('accepts 8 levels, unicode and 16 KB exactly', () => {
      expect(heartbeatSchema.safeParse(hb(nested(8))).success).toBe(true);
      expect(heartbeatSchema.safeParse(hb({ name: 'Café Ü 店 😀', fps: 5, ok: true, none: null })).success).toBe(true);
      expect(heartbeatSchema.safeParse(hb({ blob: 'x'.repeat(MAX_STATUS_BYTES - 11) })).success).toBe(true);
    });
  });
});
