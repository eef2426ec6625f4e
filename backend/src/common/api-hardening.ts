import type { FastifyInstance } from 'fastify';

/** Query parameters that would carry a credential; keys travel only in the Authorization header. */
const CREDENTIAL_PARAMS = new Set(['token', 'access_token', 'api_key', 'apikey', 'api-key', 'key', 'auth', 'authorization', 'bearer', 'admin_token']);
/** A WINK key in any parameter is a credential too (e.g. pasted into store_id). */
const KEY_IN_VALUE = /wink_(edge|view)_/i;

/** Answers of the API are never cached (they carry tenants' numbers) nor sniffed as another content type. */
const API_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/** The first query parameter that carries (or is named for) a credential, or null. */
export function credentialParam(url: string): string | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase()) || KEY_IN_VALUE.test(value)) return name;
  }
  return null;
}

/**
 * `url` with every query value replaced by `[redacted]`: for log lines, which must never carry a key someone
 * put in a URL (such a request is refused, but it is still logged).
 */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=[redacted]`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/**
 * On every request, before any route: API answers (`/api/*`, `/metrics`) get {@link API_HEADERS} (a route may
 * still set its own Cache-Control, as /api/docs's files do; the static dashboard keeps its own caching), and a
 * credential in the query string is refused with 400 naming the parameter — query strings end up in proxy
 * logs, browser history and Referer headers.
 */
export function hardenApi(server: FastifyInstance): void {
  server.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?', 1)[0];
    if (path.startsWith('/api/') || path === '/api' || path === '/metrics') reply.headers(API_HEADERS);
    const param = credentialParam(req.url);
    if (param === null) return done();
    reply.code(400).send({
      statusCode: 400,
      error: 'Bad Request',
      field: param,
      message: `${param}: credentials are not accepted in the query string; send the key as "Authorization: Bearer <key>"`,
    });
  });
}
