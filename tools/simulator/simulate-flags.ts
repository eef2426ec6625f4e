/**
 * The flags of `npm run simulate`, checked up front: every mistake is reported naming its flag, before
 * anything is sent. Pure (argv, environment and clock come in as arguments), so it is unit-tested.
 */
// node:util parseArgs rather than a CLI framework: it ships with Node, is strict about unknown flags and
// flag types, and this CLI has no sub-commands or generated help that would need more.
import { parseArgs } from 'node:util';
import { MAX_EVENTS_PER_BATCH, SLUG_PATTERN } from '../../shared/src/events.ts';
import { addDays, parseLocalDate } from '../../backend/src/common/store-clock.ts';
import { POS_ENTRY } from './simulated-fleet.ts';
import type { SimulationSettings } from './store-traffic-simulator.ts';
import type { Promotion } from './traffic-model.ts';

export const DEV_ADMIN_TOKEN = 'wink-dev-admin-token';
export const MAX_SIMULATED_STORES = 999;
export const MAX_DAYS = 3660;

export const SIMULATE_USAGE = `Usage: npm run simulate -- [--stores N | --store-id ID [--keys-file FILE]] [--days D] [--from YYYY-MM-DD]
                           [--rate X] [--promo START:END:LIFT] [--spikes P] [--seed S]
                           [--batch N] [--concurrency N] [--api URL] [--admin-token T] [--live]

Sends simulated shopper traffic through the real ingest API, one edge key per camera.

  --stores N           simulate stores sim_store_001..N in the org "WINK Simulated Retail" (default 1)
  --store-id ID        feed an existing store instead (e.g. store_demo_001)
  --keys-file FILE     with --store-id: JSON {"camera_id": "api_key", …, "pos": "wink_pos_…"}; without it, keys are issued for the run
  --days D             days to simulate (default 7), ending today unless --from is given
  --from YYYY-MM-DD    first day (store-local date)
  --rate X             mean visitors per open hour at the weekly peak (default 60)
  --promo S:E:LIFT     promotion from S to E (dates, inclusive) lifting footfall and shelf interactions, e.g. 2024-03-04:2024-03-10:1.3
  --spikes P           probability per store-day of a spike hour (default 0.05)
  --seed S             random seed (default "wink"); the same flags and seed send the same events
  --batch N            events per request (default 500, at most ${MAX_EVENTS_PER_BATCH})
  --concurrency N      requests in parallel (default 4)
  --api URL            WINK API (default http://127.0.0.1:8000)
  --admin-token T      admin token (default: ADMIN_TOKEN, else the dev token)
  --live               after the backfill, keep sending events in real time until Ctrl-C
  -h, --help           this help`;

export class SimulateFlagError extends Error {}

export interface SimulateCommand {
  settings: Omit<SimulationSettings, 'target'> & { target: { stores: number } | { storeId: string; keys: null } };
  /** Read by the CLI (I/O stays at the edge) and parsed with parseKeysFile. */
  keysFile: string | null;
  live: boolean;
  help: boolean;
}

const OPTIONS = {
  api: { type: 'string' },
  'admin-token': { type: 'string' },
  stores: { type: 'string' },
  'store-id': { type: 'string' },
  'keys-file': { type: 'string' },
  days: { type: 'string' },
  from: { type: 'string' },
  rate: { type: 'string' },
  promo: { type: 'string' },
  spikes: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  live: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new SimulateFlagError(`--${flag}: "${raw}" is not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new SimulateFlagError(`--${flag}: must be between ${min} and ${max} (got ${n})`);
  return n;
}

function decimal(flag: string, raw: string | undefined, fallback: number, min: number, max: number, minExclusive = false): number {
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(raw.trim())) throw new SimulateFlagError(`--${flag}: "${raw}" is not a number`);
  const n = Number(raw);
  if ((minExclusive ? n <= min : n < min) || n > max)
    throw new SimulateFlagError(`--${flag}: must be ${minExclusive ? 'more than' : 'at least'} ${min} and at most ${max} (got ${n})`);
  return n;
}

function calendarDate(flag: string, raw: string): string {
  try {
    parseLocalDate(raw);
    return raw;
  } catch {
    throw new SimulateFlagError(`--${flag}: "${raw}" is not a date (YYYY-MM-DD)`);
  }
}

/** `START:END:LIFT`, e.g. `2024-03-04:2024-03-10:1.3`. */
export function parsePromotion(raw: string): Promotion {
  const m = /^([^:]+):([^:]+):([^:]+)$/.exec(raw.trim());
  if (!m) throw new SimulateFlagError(`--promo: "${raw}" is not START:END:LIFT (e.g. 2024-03-04:2024-03-10:1.3)`);
  const first = calendarDate('promo', m[1]);
  const last = calendarDate('promo', m[2]);
  if (last < first) throw new SimulateFlagError(`--promo: the end ${last} is before the start ${first}`);
  const lift = decimal('promo', m[3], 1, 0, 10, true);
  return { first, last, lift };
}

export function parseSimulateFlags(argv: string[], env: Record<string, string | undefined>, nowMs: number): SimulateCommand {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    // parseArgs already names the flag ("Unknown option '--sotres'"); drop its hint about positionals.
    throw new SimulateFlagError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (values.help) return { settings: defaults(), keysFile: null, live: false, help: true };

  if (values.stores !== undefined && values['store-id'] !== undefined)
    throw new SimulateFlagError('--stores and --store-id cannot be used together: simulate new stores or feed one existing store');
  if (values['keys-file'] !== undefined && values['store-id'] === undefined)
    throw new SimulateFlagError('--keys-file needs --store-id (simulated stores get their keys issued)');
  const storeId = values['store-id'];
  if (storeId !== undefined && !SLUG_PATTERN.test(storeId))
    throw new SimulateFlagError(`--store-id: "${storeId}" is not a store id (1-64 letters, digits, _ . -)`);

  const api = values.api ?? 'http://127.0.0.1:8000';
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new SimulateFlagError(`--api: "${api}" is not a URL (e.g. http://127.0.0.1:8000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SimulateFlagError(`--api: "${api}" must be an http:// or https:// URL`);

  const adminToken = values['admin-token'] ?? env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN;
  if (!adminToken.trim()) throw new SimulateFlagError('--admin-token: must not be empty');

  const days = integer('days', values.days, 7, 1, MAX_DAYS);
  let from: string | null = null;
  if (values.from !== undefined) {
    from = calendarDate('from', values.from);
    // The easternmost zones are 14 h ahead of UTC: a date later than their today is the future everywhere.
    const latestToday = new Date(nowMs + 14 * 3_600_000).toISOString().slice(0, 10);
    if (from > latestToday) throw new SimulateFlagError(`--from: ${from} is in the future (events can only be sent up to now)`);
    if (from < addDays(latestToday, -MAX_DAYS)) throw new SimulateFlagError(`--from: ${from} is more than ${MAX_DAYS} days ago`);
  }

  const seed = values.seed ?? 'wink';
  if (!seed.trim()) throw new SimulateFlagError('--seed: must not be empty');

  return {
    settings: {
      api: url.toString().replace(/\/+$/, ''),
      adminToken,
      target: storeId !== undefined ? { storeId, keys: null } : { stores: integer('stores', values.stores, 1, 1, MAX_SIMULATED_STORES) },
      days,
      from,
      rate: decimal('rate', values.rate, 60, 0, 100_000, true),
      promotion: values.promo !== undefined ? parsePromotion(values.promo) : null,
      spikeProbability: decimal('spikes', values.spikes, 0.05, 0, 1),
      seed,
      batchSize: integer('batch', values.batch, 500, 1, MAX_EVENTS_PER_BATCH),
      concurrency: integer('concurrency', values.concurrency, 4, 1, 64),
    },
    keysFile: values['keys-file'] ?? null,
    live: values.live ?? false,
    help: false,
  };
}

function defaults(): SimulateCommand['settings'] {
  return parseSimulateFlags([], {}, 0).settings;
}

/** The --keys-file content: a JSON object of camera id → edge key. */
export function parseKeysFile(text: string, path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SimulateFlagError(`--keys-file: ${path} is not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SimulateFlagError(`--keys-file: ${path} must hold an object {"camera_id": "api_key", …}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) throw new SimulateFlagError(`--keys-file: ${path} lists no cameras`);
  for (const [camera, key] of entries) {
    // The store's till: its POS key, so the run sends sales too.
    if (camera === POS_ENTRY) {
      if (typeof key !== 'string' || !key.startsWith('wink_pos_'))
        throw new SimulateFlagError(`--keys-file: ${path}: "${POS_ENTRY}" is not a POS key (wink_pos_…)`);
      continue;
    }
    if (typeof key !== 'string' || !key.startsWith('wink_edge_'))
      throw new SimulateFlagError(`--keys-file: ${path}: the key of ${camera} is not an edge key (wink_edge_…)`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
