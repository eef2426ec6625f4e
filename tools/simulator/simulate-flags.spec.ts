import { MAX_EVENTS_PER_BATCH } from '../../shared/src/events.ts';
import { SimulateFlagError, parseKeysFile, parseSimulateFlags } from './simulate-flags.ts';

const NOW = Date.parse('2024-03-12T12:00:00Z');
const parse = (args: string, env: Record<string, string> = {}) => parseSimulateFlags(args ? args.split(' ') : [], env, NOW);

describe('simulate flags', () => {
  it('has defaults for everything', () => {
    expect(parse('')).toEqual({
      settings: {
        api: 'http://127.0.0.1:8000',
        adminToken: 'wink-dev-admin-token',
        target: { stores: 1 },
        days: 7,
        from: null,
        rate: 60,
        promotion: null,
        spikeProbability: 0.05,
        seed: 'wink',
        batchSize: 500,
        concurrency: 4,
      },
      keysFile: null,
      live: false,
      help: false,
    });
  });

  it('reads every flag', () => {
    const cmd = parse(
      '--api http://localhost:8311/ --admin-token tok_0123456789abcdef --stores 3 --days 14 --from 2024-02-01 --rate 120.5 --promo 2024-02-05:2024-02-11:1.3 --spikes 0.2 --seed x --batch 1000 --concurrency 8 --live',
    );
    expect(cmd.settings).toEqual({
      api: 'http://localhost:8311',
      adminToken: 'tok_0123456789abcdef',
      target: { stores: 3 },
      days: 14,
      from: '2024-02-01',
      rate: 120.5,
      promotion: { first: '2024-02-05', last: '2024-02-11', lift: 1.3 },
      spikeProbability: 0.2,
      seed: 'x',
      batchSize: 1000,
      concurrency: 8,
    });
    expect(cmd.live).toBe(true);
  });

  it('takes the admin token from ADMIN_TOKEN when the flag is absent', () => {
    expect(parse('', { ADMIN_TOKEN: 'from-env-0123456789' }).settings.adminToken).toBe('from-env-0123456789');
  });

  it('feeds an existing store with a keys file', () => {
    const cmd = parse('--store-id store_demo_001 --keys-file keys.json');
    expect(cmd.settings.target).toEqual({ storeId: 'store_demo_001', keys: null });
    expect(cmd.keysFile).toBe('keys.json');
  });

  it.each([
    ['--stores 0', '--stores: must be between 1 and 999 (got 0)'],
    ['--stores two', '--stores: "two" is not a whole number'],
    ['--days 0', '--days: must be between 1 and 3660 (got 0)'],
    ['--days 1.5', '--days: "1.5" is not a whole number'],
    ['--rate 0', '--rate: must be more than 0 and at most 100000 (got 0)'],
    ['--rate=-3', '--rate: "-3" is not a number'],
    ['--rate -3', "Option '--rate' argument is ambiguous"],
    ['--spikes 1.5', '--spikes: must be at least 0 and at most 1 (got 1.5)'],
    [`--batch ${MAX_EVENTS_PER_BATCH + 1}`, '--batch: must be between 1 and 1000 (got 1001)'],
    ['--concurrency 0', '--concurrency: must be between 1 and 64 (got 0)'],
    ['--from 2024-02-30', '--from: "2024-02-30" is not a date (YYYY-MM-DD)'],
    ['--from 2024-03-14', '--from: 2024-03-14 is in the future (events can only be sent up to now)'],
    ['--promo 2024-03-04:1.3', '--promo: "2024-03-04:1.3" is not START:END:LIFT (e.g. 2024-03-04:2024-03-10:1.3)'],
    ['--promo 2024-03-10:2024-03-04:1.3', '--promo: the end 2024-03-04 is before the start 2024-03-10'],
    ['--promo 2024-03-04:2024-03-10:0', '--promo: must be more than 0 and at most 10 (got 0)'],
    ['--promo 2024-03-04:2024-13-10:1.2', '--promo: "2024-13-10" is not a date (YYYY-MM-DD)'],
    ['--api localhost:8000', '--api: "localhost:8000" must be an http:// or https:// URL'],
    ['--api nonsense', '--api: "nonsense" is not a URL (e.g. http://127.0.0.1:8000)'],
    ['--stores 2 --store-id store_demo_001', '--stores and --store-id cannot be used together'],
    ['--keys-file k.json', '--keys-file needs --store-id'],
    ['--store-id bad/id', '--store-id: "bad/id" is not a store id'],
    ['--sotres 2', "Unknown option '--sotres'"],
    ['--days', "Option '--days <value>' argument missing"],
  ])('%s → %s', (args, message) => {
    expect(() => parse(args)).toThrow(SimulateFlagError);
    expect(() => parse(args)).toThrow(message);
  });

  it("does not leak parseArgs' hint about positionals", () => {
    expect(() => parse('--sotres 2')).toThrow(/^Unknown option '--sotres'$/);
  });
});

describe('keys file', () => {
  it('reads camera ids and edge keys', () => {
    expect(parseKeysFile('{"cam_entrance_01":"wink_edge_abc"}', 'k.json')).toEqual({ cam_entrance_01: 'wink_edge_abc' });
  });

  it('reads the till\'s POS key under "pos" (the run then sends sales too)', () => {
    expect(parseKeysFile('{"cam_entrance_01":"wink_edge_abc","pos":"wink_pos_xyz"}', 'k.json')).toEqual({
      cam_entrance_01: 'wink_edge_abc',
      pos: 'wink_pos_xyz',
    });
  });

  it.each([
    ['not json', '--keys-file: k.json is not JSON'],
    ['["wink_edge_abc"]', '--keys-file: k.json must hold an object {"camera_id": "api_key", …}'],
    ['{}', '--keys-file: k.json lists no cameras'],
    ['{"cam_1": 42}', '--keys-file: k.json: the key of cam_1 is not an edge key (wink_edge_…)'],
    ['{"cam_1": "wink_edge_a", "pos": "wink_edge_b"}', '--keys-file: k.json: "pos" is not a POS key (wink_pos_…)'],
  ])('%s → %s', (text, message) => {
    expect(() => parseKeysFile(text, 'k.json')).toThrow(message);
  });
});
