// Who may use the calibration page: whoever sends local_ui.password, as HTTP Basic (any user name; the browser asks
// for it and sends it with every request, the picture and the script included) or as a Bearer token (scripts).
// A client that keeps failing is refused for a while, whatever it sends.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares digests, so neither the content nor the length of the password leaks through timing. */
export function passwordMatches(given: string, password: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(password));
}

/** The secret an Authorization header carries: the password of `Basic` (user name ignored) or a `Bearer` token. */
export function presentedSecret(header: string | undefined): string | null {
  if (!header) return null;
  const [, scheme = '', value = ''] = /^(\S+)\s*(.*)$/s.exec(header.trim()) ?? [];
  if (/^bearer$/i.test(scheme)) return value || null;
  if (!/^basic$/i.test(scheme)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/** Refuses a client after `maxFailures` wrong passwords within `windowMs`, until that window has passed. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Ms until `client` may try again; 0 when it may now. */
  blockedForMs(client: string): number {
    const recent = this.recent(client);
    return recent.length >= this.maxFailures ? recent[0] + this.windowMs - this.now() : 0;
  }

  fail(client: string): void {
    const recent = this.recent(client);
    recent.push(this.now());
    this.failures.set(client, recent);
    // A flood from many addresses must not grow the map without bound.
    if (this.failures.size > 10_000) for (const key of [...this.failures.keys()].slice(0, 5000)) this.failures.delete(key);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(client) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(client);
    return recent;
  }
}
