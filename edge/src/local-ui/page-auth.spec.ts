import { FailureLimiter, passwordMatches, presentedSecret } from './page-auth.ts';

const basic = (userAndPassword: string) => `Basic ${Buffer.from(userAndPassword).toString('base64')}`;

describe('calibration page auth', () => {
  it.each([
    ['Basic with any user', basic('tech:open sesame 12'), 'open sesame 12'],
    ['Basic with no user', basic(':open sesame 12'), 'open sesame 12'],
    ['Basic password holding a colon', basic('tech:a:b'), 'a:b'],
    ['Bearer token', 'Bearer open-sesame-12', 'open-sesame-12'],
    ['Bearer token with spaces', 'Bearer open sesame 12', 'open sesame 12'],
    ['scheme in any case', 'bearer tok', 'tok'],
    ['no header', undefined, null],
    ['Basic without a colon', basic('nocolon'), null],
    ['empty Bearer', 'Bearer ', null],
    ['another scheme', 'Digest abc', null],
  ])('%s', (_name, header, secret) => {
    expect(presentedSecret(header)).toBe(secret);
  });

  it('matches only the exact password', () => {
    expect(passwordMatches('open sesame 12', 'open sesame 12')).toBe(true);
    expect(passwordMatches('open sesame 1', 'open sesame 12')).toBe(false);
    expect(passwordMatches('', 'open sesame 12')).toBe(false);
    expect(passwordMatches('open sesame 12 ', 'open sesame 12')).toBe(false);
  });

  it('refuses a client after too many failures, until the window has passed, and no one else', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    limiter.fail('a');
    now += 10_000;
    limiter.fail('a');
    expect(limiter.blockedForMs('a')).toBe(0);
    limiter.fail('a');
    expect(limiter.blockedForMs('a')).toBe(50_000);
    expect(limiter.blockedForMs('b')).toBe(0);
    now += 50_000;
    // The first failure has left the window: two remain, below the limit.
    expect(limiter.blockedForMs('a')).toBe(0);
  });
});
