import { classify, type Delivery } from './ingest-api.ts';

const body = (o: object) => JSON.stringify(o);

describe('classify: what the outbox does with each answer', () => {
  it.each<[string, number, string, Partial<Delivery>]>([
    ['200 accepted', 200, '{}', { outcome: 'accepted' }],
    ['400 naming an event: set that event aside', 400, body({ message: 'events[3].ts: bad', event_index: 3 }), { outcome: 'rejected', eventIndex: 3 }],
    ['400 naming no event', 400, body({ message: 'device_ts: bad' }), { outcome: 'rejected' }],
    ['401: a key problem, keep the events', 401, body({ message: 'authorization: unknown or revoked edge key' }), { outcome: 'retry' }],
    ['403 for another camera: a key problem, keep the events', 403, body({ message: 'camera_id: not allowed', field: 'camera_id' }), { outcome: 'retry' }],
    // The camera lacks the capability for that kind of event: no key fix makes it storable.
    [
      '403 naming an event (a kind the camera lacks): set it aside',
      403,
      body({ message: 'events[1].type: no "entrance" capability', event_index: 1 }),
      { outcome: 'rejected', eventIndex: 1 },
    ],
    ['429: wait', 429, '{}', { outcome: 'retry' }],
    ['503: wait', 503, '{}', { outcome: 'retry' }],
  ])('%s', (_name, status, text, expected) => {
    expect(classify(status, text, null)).toMatchObject(expected);
  });
});
