// Passwords in URLs (camera RTSP addresses, DATABASE_URL, REDIS_URL): masked for display and logs, and
// listed for the edge's log scrubber. One reading of where the password is, used by every caller.
//
// The URL is read as raw text, not through `new URL`: camera passwords (often factory ones) contain
// unencoded "@", "/" or "?", which URL parsing splits in the wrong place, and nothing else about the
// address is rewritten (no lower-cased host, no added slash).

const SECRET_QUERY_KEYS = /^(password|passwd|pwd|pass|secret|token)$/i;

interface Credentials {
  /** Index of the first character after `scheme://`. */
  start: number;
  /** Index of the '@' that ends the credentials. */
  at: number;
}

/**
 * Where `user:password@` is. The credentials end at the last "@" before the query or fragment (so a
 * password may hold "@" and "/", and an "@" in the query is not taken for one); when there is no "@" there,
 * at the last "@" of all, provided no "/" comes before it (a password holding "?" or "#").
 */
function credentialsOf(url: string): Credentials | null {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return null; // a file path
  const start = schemeEnd + 3;
  const rest = url.slice(start);
  const queryAt = rest.search(/[?#]/);
  let at = (queryAt < 0 ? rest : rest.slice(0, queryAt)).lastIndexOf('@');
  if (at < 0) {
    at = rest.lastIndexOf('@');
    if (at >= 0 && rest.slice(0, at).includes('/')) at = -1;
  }
  return at < 0 ? null : { start, at: start + at };
}

/** The raw `password` of `user:password@`, or null when the URL has none. */
function rawPassword(url: string): { c: Credentials; colon: number } | null {
  const c = credentialsOf(url);
  if (!c) return null;
  const colon = url.slice(c.start, c.at).indexOf(':');
  return colon < 0 ? null : { c, colon: c.start + colon };
}

/**
 * `rtsp://admin:secret@10.0.0.5/stream1` → `rtsp://admin:***@10.0.0.5/stream1`; also masks password-like
 * query parameters (`?password=x` → `?password=***`). File paths and URLs without a password come back as
 * they are.
 */
export function maskUrlPassword(url: string): string {
  const found = rawPassword(url);
  if (found) return `${url.slice(0, found.colon)}:***${maskSecretQuery(url.slice(found.c.at))}`;
  if (!url.includes('://')) return url; // a file path
  const split = credentialsOf(url)?.at ?? 0;
  return url.slice(0, split) + maskSecretQuery(url.slice(split));
}

/** `…?user=a&password=x#f` → `…?user=a&password=***#f`. */
function maskSecretQuery(text: string): string {
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const query = text.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && SECRET_QUERY_KEYS.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=***` : pair;
    })
    .join('&');
  return `${text.slice(0, q)}?${masked}${hash < 0 ? '' : text.slice(hash)}`;
}

/** The password of a URL as written and percent-decoded (empty when none), for a log scrubber. */
export function urlPasswords(url: string): string[] {
  const found = rawPassword(url);
  if (!found) return [];
  const raw = url.slice(found.colon + 1, found.c.at);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // not percent-encoded
  }
  return [...new Set([raw, decoded])].filter((p) => p !== '');
}
