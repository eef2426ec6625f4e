import { isAllowedWebhookUrl } from './webhooks.dto.ts';
import { newWebhookSecret, webhookSignature } from './webhook-signature.ts';

describe('webhook signature', () => {
  // Expected values from `printf '<t>.<body>' | openssl dgst -sha256 -hmac <secret>`.
  it.each([
    ['whsec_test', '{"id":"d1"}', 1700000000, 't=1700000000,v1=7aa818774b12d07b487b77188a423aa42da8d52da13f1fface316ecdf0a91f53'],
    ['whsec_other', '', 1700000001.9, 't=1700000001,v1=9ba935865bb05a33a57e80c3c588b9dc9e6cec0055252109603666d9310c9b6a'],
  ])('secret %s, body %s at %d → %s', (secret, body, t, header) => {
    expect(webhookSignature(secret, body, t)).toBe(header);
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), 'base64url')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('webhook URL rule', () => {
  it.each([
    ['https://hooks.example.com/wink', true],
    ['https://10.0.0.5:8443/x?y=1', true],
    ['http://127.0.0.1:8080/hook', true],
    ['http://[::1]:8080/hook', true],
    ['http://localhost/hook', true],
    ['http://LOCALHOST/hook', true],
    ['http://hooks.example.com/wink', false],
    ['http://127.0.0.2/hook', false],
    ['http://localhost.example.com/hook', false],
    ['ftp://127.0.0.1/x', false],
    ['hooks.example.com', false],
    ['', false],
  ])('%s → %s', (url, ok) => {
    expect(isAllowedWebhookUrl(url)).toBe(ok);
  });
});
