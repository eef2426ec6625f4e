import { cameraStatuses, heartbeatField, queueLengths } from '../../src/dashboard/camera-board.ts';
import { historyQuery } from '../../src/dashboard/dashboard.dto.ts';

describe('camera status', () => {
  const board = {
    _ready: '1',
    _gen: '2',
    'cam:cam_b': JSON.stringify({ name: 'Back', capabilities: ['zones'] }),
    'cam:cam_a': JSON.stringify({ name: 'Door', capabilities: ['entrance'] }),
    'hb:cam_a': heartbeatField(Date.parse('2024-01-15T10:00:00Z'), { fps: 5 }),
  };

  it('is online up to the threshold after the last heartbeat, offline after, and offline without any', () => {
    const at = (s: number) => cameraStatuses(board, Date.parse('2024-01-15T10:00:00Z') + s * 1000, 90);
    expect(at(90)).toEqual([
      {
        camera_id: 'cam_a',
        name: 'Door',
        capabilities: ['entrance'],
        status: 'online',
        stream_state: null,
        last_heartbeat: '2024-01-15T10:00:00.000Z',
        status_data: { fps: 5 },
      },
      { camera_id: 'cam_b', name: 'Back', capabilities: ['zones'], status: 'offline', stream_state: null, last_heartbeat: null, status_data: null },
    ]);
    expect(at(90.001)[0].status).toBe('offline');
  });

  it.each([
    ['streaming', 'online'],
    ['ended', 'not_analysing'],
    ['stalled', 'not_analysing'],
    ['reconnecting', 'not_analysing'],
    ['starting', 'not_analysing'],
  ])('a camera heard from with stream_state %s is %s', (state, status) => {
    const b = { ...board, 'hb:cam_a': heartbeatField(Date.parse('2024-01-15T10:00:00Z'), { fps: 0, stream_state: state }) };
    expect(cameraStatuses(b, Date.parse('2024-01-15T10:00:30Z'), 90)[0]).toMatchObject({ status, stream_state: state });
    // Not heard from within the window: offline, whatever it last said.
    expect(cameraStatuses(b, Date.parse('2024-01-15T10:05:00Z'), 90)[0].status).toBe('offline');
  });

  it('queue lengths come from the latest heartbeats, with the age of the reading; the newer camera wins a shared queue', () => {
    const b = {
      ...board,
      'cam:cam_c': JSON.stringify({ name: 'Till', capabilities: ['queue'] }),
      'hb:cam_a': heartbeatField(Date.parse('2024-01-15T10:00:00Z'), { queue_lengths: { till_1: 2 } }),
      'hb:cam_c': heartbeatField(Date.parse('2024-01-15T10:00:20Z'), { queue_lengths: { till_1: 5, till_2: 1 } }),
    };
    const now = Date.parse('2024-01-15T10:00:30Z');
    expect(queueLengths(cameraStatuses(b, now, 90), now)).toEqual([
      { queue_id: 'till_1', length: 5, camera_id: 'cam_c', read_at: '2024-01-15T10:00:20.000Z', age_seconds: 10 },
      { queue_id: 'till_2', length: 1, camera_id: 'cam_c', read_at: '2024-01-15T10:00:20.000Z', age_seconds: 10 },
    ]);
  });
});

describe('history query', () => {
  const parse = (q: Record<string, string>) => historyQuery.safeParse({ store_id: 's1', ...q });

  it('takes dates and zoned timestamps, and repairs a "+" that arrived as a space', () => {
    const ok = parse({ from: '2024-01-15', to: '2024-01-16T10:00:00 05:30', granularity: 'hour' });
    expect(ok.success && ok.data).toEqual({
      store_id: 's1',
      from: { date: '2024-01-15' },
      to: { instant: new Date('2024-01-16T04:30:00Z') },
      granularity: 'hour',
    });
    const dflt = parse({ from: '2024-01-15', to: '2024-01-16' });
    expect(dflt.success && dflt.data.granularity).toBe('day');
  });

  it.each([
    [{ from: '2024-02-30', to: '2024-03-01' }, ['from']],
    [{ from: '2024-01-15T10:00:00', to: '2024-03-01' }, ['from']],
    [{ from: '2024-01-15', to: 'tomorrow' }, ['to']],
    [{ from: '2024-01-15', to: '2024-01-16', granularity: 'week' }, ['granularity']],
    [{ to: '2024-01-16' }, ['from']],
  ])('refuses %j naming %j', (q, path) => {
    const r = parse(q as Record<string, string>);
    expect(r.success).toBe(false);
    expect(!r.success && r.error.issues[0].path).toEqual(path);
  });
});
