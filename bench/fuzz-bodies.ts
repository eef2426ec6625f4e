// Seeded fuzz bodies for the HTTP border: valid requests of every endpoint that writes or reads with
// caller-supplied values, each either sent as is or with one mutation (poison text, out-of-range
// timestamps, huge numbers, wrong types, deep nesting, unicode edge cases, extra fields, arrays for
// objects …). Used by backend/test/fuzz.e2e.spec.ts (a short run) and bench/fuzz.bench.ts (≥ 10,000).
// Whatever the mutation, the server must answer 2xx or 4xx, never 5xx, and a refused body writes nothing.
import { SeededRandom } from '../backend/src/common/seeded-random.ts';

export const FUZZ_ENDPOINTS = ['events', 'heartbeat', 'orgs', 'stores', 'cameras', 'api-keys', 'history', 'spikes', 'promo'] as const;
export type FuzzEndpoint = (typeof FUZZ_ENDPOINTS)[number];

/** What the generator needs to know about the server: one provisioned camera and the tokens. */
export interface FuzzScope {
  orgId: string;
  storeId: string;
  cameraId: string;
  edgeKey: string;
  adminToken: string;
}

export interface FuzzRequest {
  endpoint: FuzzEndpoint;
  method: 'GET' | 'POST';
  /** Path with the query string, already encoded. */
  path: string;
  token: string;
  /** Raw JSON text (so it can hold what JSON.stringify cannot write: 1e400, 100,000 levels, __proto__). */
  body?: string;
  /** `valid` when sent as generated; otherwise the mutation's name. */
  mutation: string;
  /** A refusal a valid request may still get, for a reason of the data rather than the input (promo: no history). */
  businessRefusal?: RegExp;
}

/** Replaced in the serialized text by raw JSON: `"\u0001RAW0\u0001"` → RAW_VALUES[0]. */
const RAW_MARK = '\u0001RAW';
class RawJson {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new RawJson(text);

function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => (v instanceof RawJson ? `${RAW_MARK}${raws.push(v.text) - 1}\u0001` : v));
  return text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]);
}

const nestedText = (levels: number, open: string, close: string) => `${open.repeat(levels - 1)}1${close.repeat(levels - 1)}`;

/** Values that replace a field (or an element) of a valid body. Names are the mutation names reported. */
const POISON_TEXT: [string, unknown][] = [
  ['NUL', '\u0000'],
  ['NUL inside', 'cam\u0000era'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', 'r-\udfff'],
  ['reversed surrogates', '\udc00\ud800'],
  ['surrogate at end', 'abc\udbff'],
];
const POISON_TIME: [string, unknown][] = [
  ['offset +23:59', '2026-12-01T10:00:00+23:59'],
  ['offset +16:00', '2024-03-01T10:00:00+16:00'],
  ['offset -16:00', '2024-03-01T10:00:00-16:00'],
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['year 0000 date', '0000-01-01'],
  ['year 9999', '9999-12-31T23:59:59Z'],
  ['year 1970', '1970-01-01T00:00:00Z'],
  ['Feb 30', '2024-02-30T10:00:00Z'],
  ['hour 24', '2024-03-01T24:00:00Z'],
  ['no zone', '2024-03-01T10:00:00'],
  ['expanded year', '+002024-03-01T10:00:00Z'],
  ['date 2024-13-01', '2024-13-01'],
];
const HUGE_NUMBERS: [string, unknown][] = [
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['1e400 (Infinity)', raw('1e400')],
  ['2^53+1', raw('9007199254740993')],
  ['-0', raw('-0')],
  ['tiny', 5e-324],
  ['long fraction', raw('0.' + '1'.repeat(400))],
  ['numeric string', '12'],
];
const WRONG_TYPES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['number', 42],
  ['string', 'x'],
  ['empty string', ''],
  ['empty array', []],
  ['empty object', {}],
];
const UNICODE: [string, unknown][] = [
  ['accents and CJK', 'Café Ü 店'],
  ['emoji pair', 'shop 😀'],
  ['BOM', '\ufeffname'],
  ['zero width', 'a\u200bb'],
  ['RTL override', '\u202eevil'],
  ['noncharacters', '\uffff\ufffe'],
  ['replacement char', '\ufffd'],
  ['combining marks', 'e\u0301\u0301\u0301'],
  ['C1 control', 'a\u0085b'],
  ['tab and newline', 'a\tb\nc'],
  ['DEL', 'a\u007f'],
  ['only spaces', '   '],
  ['129 chars', 'x'.repeat(129)],
  ['201 chars', 'é'.repeat(201)],
  ['64 KB', 'y'.repeat(65_536)],
  ['SQL', "'; DROP TABLE orgs; --"],
  ['percent', '%00%ED%A0%80'],
];
const NESTING: [string, unknown][] = [
  ['9 levels', raw(nestedText(9, '{"a":', '}'))],
  ['100 levels', raw(nestedText(100, '[', ']'))],
  ['10,000 levels', raw(nestedText(10_000, '{"a":', '}'))],
  ['100,000 levels', raw(nestedText(100_000, '[', ']'))],
];
const REPLACEMENTS = [...POISON_TEXT, ...POISON_TIME, ...HUGE_NUMBERS, ...WRONG_TYPES, ...UNICODE, ...NESTING];

type Json = null | boolean | number | string | RawJson | Json[] | { [k: string]: Json };

/** Every path into a value (objects and arrays), the root excluded. */
function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v as Json, p, out);
    }
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Record<string | number, Json> {
  let v = root as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) v = v[p] as Record<string | number, Json>;
  return v;
}

/** One mutation of a (deep-copied) valid JSON value; returns its name. */
function mutate(rng: SeededRandom, root: Json): { value: Json; name: string } {
  const value = structuredClone(root) as Json;
  const all = paths(value);
  const kind = rng.int(0, 10);
  const at = all.length ? rng.pick(all) : null;
  if (kind <= 5 && at) {
    const [name, replacement] = rng.pick(REPLACEMENTS);
    // Poison inside a longer string sometimes, not always the whole value.
    const parent = parentOf(value, at);
    const key = at[at.length - 1];
    parent[key] = (
      typeof replacement === 'string' && typeof parent[key] === 'string' && rng.chance(0.3) ? `${parent[key] as string}${replacement}` : replacement
    ) as Json;
    return { value, name: `${at.join('.')} = ${name}` };
  }
  if (kind === 6 && at) {
    delete parentOf(value, at)[at[at.length - 1]];
    return { value, name: `${at.join('.')} removed` };
  }
  if (kind === 7) {
    const objects = [[], ...all].filter((p) => {
      const v = p.length ? parentOf(value, p)[p[p.length - 1]] : value;
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const p = rng.pick(objects);
    const target = (p.length ? parentOf(value, p)[p[p.length - 1]] : value) as Record<string, Json>;
    const [key, v] = rng.pick<[string, Json]>([
      ['extra', 1],
      ['__proto__', { admin: true }],
      ['constructor', 'x'],
      ['', ''],
      ['\u0000', 'nul key'],
      ['\ud800', 'surrogate key'],
    ]);
    if (key === '__proto__') return { value: raw(serialize(value).replace(/^\{/, '{"__proto__":{"admin":true},')), name: 'extra field __proto__' };
    target[key] = v;
    return { value, name: `${p.join('.') || '(body)'} + extra field ${JSON.stringify(key)}` };
  }
  if (kind === 8 && at) {
    const parent = parentOf(value, at);
    const key = at[at.length - 1];
    parent[key] = [parent[key]];
    return { value, name: `${at.join('.')} wrapped in an array` };
  }
  const [name, text] = rng.pick<[string, string]>([
    ['array body', `[${serialize(value)}]`],
    ['truncated JSON', serialize(value).slice(0, -3)],
    ['not JSON', 'hello'],
    ['top-level null', 'null'],
    ['duplicate keys', serialize(value).replace(/^\{/, '{"x":1,"x":2,')],
    ['trailing garbage', `${serialize(value)} x`],
  ]);
  return { value: raw(text), name };
}

const pad = (n: number) => String(n).padStart(2, '0');
const OFFSETS = ['Z', '+05:30', '-15:59', '+15:59', '+00:00', '-08:00', '+13:45'];

/** A valid timestamp within the last `days` days, in one of several offsets (never in the future). */
function pastTimestamp(rng: SeededRandom, nowMs: number, days = 20): string {
  const t = new Date(nowMs - rng.int(3_600_000, days * 86_400_000));
  const offset = rng.pick(OFFSETS);
  const minutes = offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
  const local = new Date(t.getTime() + minutes * 60_000);
  return `${local.toISOString().slice(0, 19)}${rng.chance(0.3) ? '.' + String(rng.int(0, 1000)).padStart(3, '0') : ''}${offset}`;
}
const dayString = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};

/** The valid form of each endpoint's request (before any mutation). */
function validRequest(
  rng: SeededRandom,
  endpoint: FuzzEndpoint,
  s: FuzzScope,
  n: number,
  nowMs: number,
): { value: Json; query?: boolean; businessRefusal?: RegExp } {
  const scope = { org_id: s.orgId, store_id: s.storeId, camera_id: s.cameraId, device_ts: pastTimestamp(rng, nowMs, 1) };
  const name = () => rng.pick(['Acme', 'Café Ü 店', 'Straße 😀', 'North #2', 'x'.repeat(200)]);
  switch (endpoint) {
    case 'events': {
      const events: Json[] = [];
      for (let i = rng.int(1, 6); i > 0; i--) {
        const ts = pastTimestamp(rng, nowMs);
        const enter = new Date(Date.parse(ts) - rng.int(1, 600) * 1000).toISOString();
        const dwell = rng.int(0, 600);
        const base = { event_id: `fz-${n}-${i}`, ts, person_key: `p${rng.int(0, 50)}` };
        events.push(
          rng.pick<Json>([
            { type: 'entrance', ...base, direction: rng.pick(['in', 'out']) },
            { type: 'zone', ...base, zone_id: 'zone_a', enter_ts: enter, exit_ts: ts, dwell_seconds: dwell },
            { type: 'shelf', ...base, shelf_id: 'shelf_1', dwell_seconds: rng.uniform(0, 60) },
            { type: 'queue', ...base, queue_id: 'checkout_1', enter_ts: enter, exit_ts: ts, wait_seconds: dwell },
          ]),
        );
      }
      return { value: { ...scope, events } };
    }
    case 'heartbeat':
      return {
        value: {
          ...scope,
          status_data: {
            fps: rng.uniform(1, 30),
            stream_state: 'streaming',
            queue_lengths: { checkout_1: rng.int(0, 9) },
            notes: ['Café Ü 店'],
            ok: true,
            none: null,
          },
        },
      };
    case 'orgs':
      return { value: { name: name() } };
    case 'stores':
      return {
        value: { org_id: s.orgId, store_id: `fz_store_${n}`, name: name(), timezone: rng.pick(['UTC', 'Asia/Kolkata', 'Europe/London', 'Pacific/Chatham']) },
      };
    case 'cameras':
      return {
        value: {
          store_id: s.storeId,
          camera_id: `fz_cam_${n}`,
          name: name(),
          capabilities: rng.shuffled(['entrance', 'zones', 'shelves', 'queue']).slice(0, rng.int(1, 5)),
        },
      };
    case 'api-keys':
      return { value: { org_id: s.orgId, role: 'viewer', name: name() } };
    case 'history': {
      const from = nowMs - rng.int(1, 20) * 86_400_000;
      return {
        value: {
          store_id: s.storeId,
          from: rng.chance(0.5) ? dayString(from) : pastTimestamp(rng, nowMs),
          to: dayString(nowMs + 86_400_000),
          granularity: rng.pick(['hour', 'day']),
        },
        query: true,
      };
    }
    case 'spikes':
      return { value: { store_id: s.storeId, days: String(rng.int(1, 15)), end_date: dayString(nowMs - rng.int(2, 20) * 86_400_000) }, query: true };
    case 'promo': {
      const end = nowMs - rng.int(3, 20) * 86_400_000;
      // Without hourly rollups of the baseline weeks (workers compute them) a valid promotion is a 400 naming start_date.
      return {
        value: {
          store_id: s.storeId,
          start_date: dayString(end - rng.int(0, 7) * 86_400_000),
          end_date: dayString(end),
          baseline_weeks: String(rng.int(1, 5)),
        },
        query: true,
        businessRefusal: /^start_date: (no history to compare with|store \S+ has no data in the promotion period)/,
      };
    }
  }
}

/** Percent-encodes a query value; a lone surrogate (which encodeURIComponent refuses) as its CESU-8 bytes. */
function encodeQueryValue(v: string): string {
  let out = '';
  for (const ch of v) {
    const c = ch.charCodeAt(0);
    out +=
      ch.length === 1 && c >= 0xd800 && c <= 0xdfff
        ? `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}

/** A query string from a (possibly mutated) params object: arrays repeat the key, objects and numbers are written as text. */
function queryString(value: Json): string {
  if (value instanceof RawJson) return value.text.startsWith('{') ? '' : `?${encodeQueryValue(value.text)}`; // a raw body makes no query: send none
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `?${encodeQueryValue(String(value))}`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      const text = item instanceof RawJson ? item.text.slice(0, 2000) : typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item);
      parts.push(`${encodeQueryValue(k)}=${encodeQueryValue(text)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const RAW_QUERIES = [
  'store_id=%',
  'store_id=%zz',
  'store_id=%E0%A4',
  'store_id=%ED%A0%80',
  'store_id=%00',
  'from=2024-01-01&from=2024-01-02',
  '&&&=',
  'store_id[]=a',
];

const ROUTES: Record<FuzzEndpoint, { method: 'GET' | 'POST'; path: string; token: 'edge' | 'admin' }> = {
  events: { method: 'POST', path: '/api/ingest/events', token: 'edge' },
  heartbeat: { method: 'POST', path: '/api/ingest/heartbeat', token: 'edge' },
  orgs: { method: 'POST', path: '/api/admin/orgs', token: 'admin' },
  stores: { method: 'POST', path: '/api/admin/stores', token: 'admin' },
  cameras: { method: 'POST', path: '/api/admin/cameras', token: 'admin' },
  'api-keys': { method: 'POST', path: '/api/admin/api-keys', token: 'admin' },
  history: { method: 'GET', path: '/api/dashboard/history', token: 'admin' },
  spikes: { method: 'GET', path: '/api/analytics/spikes', token: 'admin' },
  promo: { method: 'GET', path: '/api/analytics/promo', token: 'admin' },
};

/**
 * `count` requests from the seed: endpoints in turn, about one in five sent valid, the rest mutated once.
 * The same seed, scope and clock always give the same requests.
 */
export function* fuzzRequests(seed: string, scope: FuzzScope, count: number, nowMs = Date.now()): Generator<FuzzRequest> {
  const rng = new SeededRandom(`fuzz:${seed}`);
  for (let n = 0; n < count; n++) {
    const endpoint = FUZZ_ENDPOINTS[n % FUZZ_ENDPOINTS.length];
    const route = ROUTES[endpoint];
    const token = route.token === 'edge' ? scope.edgeKey : scope.adminToken;
    const valid = validRequest(rng, endpoint, scope, n, nowMs);
    const keep = rng.chance(0.2);
    const { value, name } = keep ? { value: valid.value, name: 'valid' } : mutate(rng, valid.value);
    if (valid.query) {
      const rawQuery = !keep && rng.chance(0.1) ? rng.pick(RAW_QUERIES) : null;
      const query = rawQuery === null ? queryString(value) : `?${rawQuery}`;
      yield {
        endpoint,
        method: route.method,
        path: route.path + query,
        token,
        mutation: rawQuery === null ? name : `raw query ${rawQuery}`,
        businessRefusal: valid.businessRefusal,
      };
    } else {
      yield {
        endpoint,
        method: route.method,
        path: route.path,
        token,
        body: value instanceof RawJson ? value.text : serialize(value),
        mutation: name,
        businessRefusal: valid.businessRefusal,
      };
    }
  }
}

export interface FuzzResult {
  request: FuzzRequest;
  status: number;
  body: any;
  rowsWritten: number;
}

/** Sends one request (JSON in, JSON or text out). */
export async function send(baseUrl: string, r: FuzzRequest): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${r.token}` };
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + r.path, { method: r.method, headers, body: r.body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Rows of every table a request to these endpoints can write: counted before and after each refused body. */
export const WRITTEN_TABLES = [
  'entrance_events',
  'zone_events',
  'shelf_interactions',
  'queue_events',
  'camera_heartbeats',
  'organizations',
  'stores',
  'cameras',
  'viewer_keys',
  'edge_keys',
];
export const COUNT_ROWS_SQL = `SELECT ${WRITTEN_TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')} AS n`;

/**
 * Runs the requests one after another (so the row count before and after a request is that request's own),
 * calling `onResult` for each. `countRows` returns the total of WRITTEN_TABLES.
 */
export async function runFuzz(
  baseUrl: string,
  requests: Iterable<FuzzRequest>,
  countRows: () => Promise<number>,
  onResult: (r: FuzzResult) => void,
): Promise<void> {
  let rows = await countRows();
  for (const request of requests) {
    const { status, body } = await send(baseUrl, request);
    const after = await countRows();
    onResult({ request, status, body, rowsWritten: after - rows });
    rows = after;
  }
}

/** Why a result breaks the border's promise, or null: no 5xx, 4xx name their field, refused bodies write nothing. */
export function fuzzViolation(r: FuzzResult): string | null {
  if (r.status >= 500) return `${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`;
  if (r.status >= 400) {
    if (r.rowsWritten !== 0) return `refused (${r.status}) but wrote ${r.rowsWritten} rows`;
    const { field, message } = (r.body ?? {}) as { field?: unknown; message?: unknown };
    if ([400, 413, 415].includes(r.status) && (typeof field !== 'string' || !field || typeof message !== 'string' || !message.startsWith(`${field}: `))) {
      return `${r.status} without a field named in "field: reason": ${JSON.stringify(r.body).slice(0, 300)}`;
    }
    // The error filter's last line of defence (a PostgreSQL data exception as a 400) held: a schema let it through.
    if (typeof message === 'string' && message.includes('(SQLSTATE ')) return `refused by PostgreSQL, not by the schemas: ${message}`;
  }
  const businessRefusal = r.status === 400 && r.request.businessRefusal?.test(String(r.body?.message));
  if (r.request.mutation === 'valid' && (r.status < 200 || r.status >= 300) && !businessRefusal)
    return `a valid request answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`;
  return null;
}

/** Per endpoint: bodies, 2xx, 4xx, 5xx, rows written by refused bodies. */
export class FuzzTally {
  readonly rows = new Map<FuzzEndpoint, { bodies: number; ok: number; refused: number; failed: number; refusedRows: number }>();
  readonly violations: { result: FuzzResult; why: string }[] = [];

  add(r: FuzzResult): void {
    const row = this.rows.get(r.request.endpoint) ?? { bodies: 0, ok: 0, refused: 0, failed: 0, refusedRows: 0 };
    row.bodies++;
    if (r.status < 300) row.ok++;
    else if (r.status < 500) {
      row.refused++;
      row.refusedRows += r.rowsWritten;
    } else row.failed++;
    this.rows.set(r.request.endpoint, row);
    const why = fuzzViolation(r);
    if (why) this.violations.push({ result: r, why });
  }

  table(): string {
    const lines = [['endpoint', 'bodies', '2xx', '4xx', '5xx', 'rows written by refused bodies']];
    const total = { bodies: 0, ok: 0, refused: 0, failed: 0, refusedRows: 0 };
    for (const e of FUZZ_ENDPOINTS) {
      const r = this.rows.get(e);
      if (!r) continue;
      lines.push([`${ROUTES[e].method} ${ROUTES[e].path}`, ...[r.bodies, r.ok, r.refused, r.failed, r.refusedRows].map(String)]);
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
    }
    lines.push(['total', ...[total.bodies, total.ok, total.refused, total.failed, total.refusedRows].map(String)]);
    const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
    return lines.map((l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |').join('\n');
  }
}
