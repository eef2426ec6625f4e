import { maskUrlPassword, urlPasswords } from './url-secrets.ts';

// One masker for camera URLs (edge banner, frame source, logs) and the tools' DATABASE_URL / REDIS_URL.
// It replaced three: the banner's maskRtspUrl (credentials end at the first "/"), the frame source's
// maskUrlPassword (credentials end at the last "@" anywhere) and the tools' redactUrl (WHATWG URL).
// `before` notes what an old one did where they disagreed.
describe('maskUrlPassword', () => {
  it.each([
    // [input, masked, passwords, before]
    ['rtsp://admin:secret@10.0.0.5/stream1', 'rtsp://admin:***@10.0.0.5/stream1', ['secret'], 'all agreed'],
    ['rtsp://admin:s3cret@10.0.0.5:554/Streaming/Channels/101', 'rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101', ['s3cret'], 'all agreed'],
    ['rtsp://admin:p@ss@10.0.0.5:554/s?x=1', 'rtsp://admin:***@10.0.0.5:554/s?x=1', ['p@ss'], 'all agreed'],
    ['rtsp://admin:a%40b@10.0.0.5', 'rtsp://admin:***@10.0.0.5', ['a%40b', 'a@b'], 'all agreed'],
    [
      'rtsp://admin:p@ss/w0rd@cam.local/live',
      'rtsp://admin:***@cam.local/live',
      ['p@ss/w0rd'],
      'maskRtspUrl: rtsp://admin:***@ss/w0rd@cam.local/live (leaked), scrubbed only "p"',
    ],
    ['rtsp://cam/live?user=admin&password=x1&channel=1', 'rtsp://cam/live?user=admin&password=***&channel=1', [], 'maskRtspUrl: unmasked'],
    ['rtsp://u:p@cam/live?token=abc#top', 'rtsp://u:***@cam/live?token=***#top', ['p'], 'maskRtspUrl: token unmasked'],
    ['rtsp://u:p@cam/live?tag=a@b', 'rtsp://u:***@cam/live?tag=a@b', ['p'], 'frame source: rtsp://u:***@b (host hidden)'],
    ['rtsp://u:pa?ss@cam/s', 'rtsp://u:***@cam/s', ['pa?ss'], 'maskRtspUrl: unmasked (leaked)'],
    ['rtsp://cam:554/live?tag=a@b', 'rtsp://cam:554/live?tag=a@b', [], 'frame source: rtsp://cam:***@b'],
    ['rtsp://admin@10.0.0.5/stream1', 'rtsp://admin@10.0.0.5/stream1', [], 'all agreed'],
    ['rtsp://10.0.0.5:554/live', 'rtsp://10.0.0.5:554/live', [], 'all agreed'],
    ['postgres://wink:s3cret@db.internal:5432/wink', 'postgres://wink:***@db.internal:5432/wink', ['s3cret'], 'all agreed'],
    ['redis://:pw@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379', ['pw'], 'all agreed'],
    ['replay/aisle.mp4', 'replay/aisle.mp4', [], 'redactUrl: invalid URL'],
    ['/videos/a:b@c.mp4', '/videos/a:b@c.mp4', [], 'redactUrl: invalid URL'],
  ])('%s → %s', (input, masked, passwords) => {
    expect(maskUrlPassword(input)).toBe(masked);
    expect(urlPasswords(input)).toEqual(passwords);
    for (const p of passwords) expect(maskUrlPassword(input)).not.toContain(`:${p}@`);
  });
});
