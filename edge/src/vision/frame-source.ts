// Decoded, letterboxed frames from an RTSP camera or a local video file (node-av / FFmpeg).
//
// Consumers pull. A live camera does not wait for a slow detector, so only the newest ready frame is
// kept and older ones are dropped (and counted) instead of queueing up stale video. Files played as
// fast as possible (evaluation) apply back-pressure instead, so every sampled frame is delivered.
import { stat } from 'node:fs/promises';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { Decoder, Demuxer, Scaler } from 'node-av/api';
import {
  AV_DISPOSITION_ATTACHED_PIC,
  AV_NOPTS_VALUE,
  AVMEDIA_TYPE_ATTACHMENT,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_DATA,
  AVMEDIA_TYPE_SUBTITLE,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import { FormatContext, Packet, type Frame, type Stream } from 'node-av/lib';
import { maskUrlPassword } from '../../../shared/src/url-secrets.ts';
import { backoffDelayMs } from '../runtime/backoff.ts';
import { errorText } from '../runtime/log.ts';
import { computeLetterbox, padIntoSquare } from './detection.ts';
import type { LetterboxedImage } from './detection.ts';

// node-av's Demuxer.packets() calls Promise.withResolvers (Node ≥ 22); on Node 20 it silently yields nothing.
{
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers !== 'function') {
    P.withResolvers = function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
  }
}

/**
 * Fast RTSP open over TCP. `timeout` (µs) is mandatory: without it a stalled server hangs the read
 * (and the open) forever, and interrupting such a hang has crashed the process.
 */
export const RTSP_OPEN_OPTIONS = {
  rtsp_transport: 'tcp',
  timeout: '3000000',
  analyzeduration: '200000',
  probesize: '100000',
} as const;

export type StreamState = 'connecting' | 'streaming' | 'reconnecting' | 'ended';

export interface VideoFrame extends LetterboxedImage {
  /**
   * Wall-clock ms: wall time at the connection's first frame + (pts − first pts). Strictly increasing, also
   * across reconnects. Live streams: re-anchored when pts jumps > 5 s and slowly slewed toward the host clock.
   */
  timestampMs: number;
  /** 0, 1, 2, … in emission order (gaps in time show up in timestampMs, not here). */
  seq: number;
}

export interface ReconnectPolicy {
  /** First retry delay (default 500 ms); doubles per failed attempt. */
  initialDelayMs?: number;
  /** Upper bound of the delay (default 10 s). */
  maxDelayMs?: number;
}

export interface FrameSourceOptions {
  /** rtsp://… / rtsps://… (live, reconnects) or a local file path / file:// URL (ends). */
  url: string;
  /** Frames per second to emit, sampled by pts; frames in between are skipped. */
  targetFps: number;
  /** Side of the square model input, e.g. 640. */
  letterboxSize: number;
  /** Files only: pace at stream speed, dropping frames the consumer misses (demo). Default false: as fast as the consumer pulls (eval). */
  realtime?: boolean;
  signal?: AbortSignal;
  /** Live only: reopen the stream when no frame was decoded for this long (default 5000 ms). */
  stallTimeoutMs?: number;
  reconnect?: ReconnectPolicy;
  /** Live only: if the first connection fails, keep retrying in the background instead of throwing (default false). */
  waitForStream?: boolean;
}

export interface FrameSource extends AsyncIterable<VideoFrame> {
  /** The URL with any password masked; safe to log. */
  readonly url: string;
  readonly live: boolean;
  readonly state: StreamState;
  /** Last connection/stream problem (masked), or null. Kept after recovery, for the heartbeat. */
  readonly lastError: string | null;
  /** Wall-clock ms of the last decoded frame, or null before the first one. */
  readonly lastFrameAtMs: number | null;
  readonly framesDecoded: number;
  /** Decoded frames left out by targetFps sampling. */
  readonly framesSkipped: number;
  /** Sampled frames replaced by a newer one before the consumer pulled them. */
  readonly framesDropped: number;
  readonly framesEmitted: number;
  /** Times the live stream was lost and a reconnect cycle began. */
  readonly reconnects: number;
  /** Next frame, or null once a file has ended or the source was closed. Single consumer. */
  read(): Promise<VideoFrame | null>;
  close(): Promise<void>;
}

/** An input that cannot be opened or is not a video; the message names the (masked) URL. */
export class FrameSourceError extends Error {
  constructor(
    /** Masked URL. */
    readonly url: string,
    message: string,
    /** True for failures a retry may fix (network), false for a wrong input. */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'FrameSourceError';
  }
}

/** The wait before reconnect `attempt`: {@link backoffDelayMs} with the policy's delays (default 500 ms … 10 s). */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy = {}, random: () => number = Math.random): number {
  return backoffDelayMs(attempt, policy.initialDelayMs ?? 500, policy.maxDelayMs ?? 10_000, random);
}

/** Keeps frames at targetFps by presentation time; tolerant to rounding of pts. */
export class FrameRateSampler {
  private nextDueMs: number | null = null;
  private readonly intervalMs: number;

  constructor(targetFps: number) {
    this.intervalMs = 1000 / targetFps;
  }

  reset(): void {
    this.nextDueMs = null;
  }

  take(ptsMs: number): boolean {
    if (this.nextDueMs === null) {
      this.nextDueMs = ptsMs + this.intervalMs;
      return true;
    }
    if (ptsMs + this.intervalMs * 0.1 < this.nextDueMs) return false;
    this.nextDueMs += this.intervalMs;
    // After a gap, restart the grid from this frame instead of emitting a burst.
    if (this.nextDueMs <= ptsMs) this.nextDueMs = ptsMs + this.intervalMs;
    return true;
  }
}

const MEDIA_TYPE_NAMES = new Map<number, string>([
  [AVMEDIA_TYPE_VIDEO, 'video'],
  [AVMEDIA_TYPE_AUDIO, 'audio'],
  [AVMEDIA_TYPE_DATA, 'data'],
  [AVMEDIA_TYPE_SUBTITLE, 'subtitle'],
  [AVMEDIA_TYPE_ATTACHMENT, 'attachment'],
]);

function isLiveUrl(url: string): boolean {
  return /^rtsps?:\/\//i.test(url);
}

/** An opening or decoding error as the runtime logs it (log.ts: message and cause), without node-av's "Failed to open input:" prefix. */
export function sourceErrorText(err: unknown): string {
  return errorText(err).replace(/^Failed to open input:\s*/i, '');
}

/** Error text with the raw URL (which may carry a password) replaced by its masked form. */
function safeErrorText(err: unknown, rawUrl: string): string {
  return sourceErrorText(err).split(rawUrl).join(maskUrlPassword(rawUrl));
}

interface Connection {
  demuxer: Demuxer;
  decoder: Decoder;
  stream: Stream;
  /** Seconds per pts tick. */
  timeBase: number;
  /** The video stream's packets, for the decoder. */
  packets: () => AsyncIterable<Packet | null>;
  /** Files only: the on-demand packet reader (see filePackets). */
  fileReader?: FormatContext;
}

/**
 * A file's packets of one stream, read only when the decoder asks. node-av's Demuxer.packets() reads ahead into a
 * 100-packet queue and, once the queue is full, waits for the consumer in a setImmediate loop that keeps a core busy
 * (node-av 6.1 api/demuxer.js) — for a file that is whenever the consumer is slower than the disk: a replay paced
 * at the clip's speed, or a camera waiting for the detector. Measured: 1.0 core per paced camera, 0.0 with this.
 * A live stream is read as it arrives, so it keeps node-av's reader.
 */
async function* filePackets(reader: FormatContext, stream: Stream): AsyncGenerator<Packet | null> {
  for (;;) {
    const packet = new Packet();
    packet.alloc();
    if ((await reader.readFrame(packet)) < 0) {
      packet.free();
      break; // end of file (or a read error, which ends the file as it does with the Demuxer)
    }
    if (packet.streamIndex !== stream.index) {
      packet.free();
      continue;
    }
    packet.timeBase = stream.timeBase;
    yield packet; // the decoder frees it
  }
  yield null; // flush the decoder
}

async function openFileReader(path: string): Promise<FormatContext> {
  const reader = new FormatContext();
  const ret = await reader.openInput(path);
  if (ret < 0) throw new Error(`cannot open "${path}" for reading (${ret})`);
  if ((await reader.findStreamInfo()) < 0) {
    await reader.closeInput();
    throw new Error(`cannot read the streams of "${path}"`);
  }
  return reader;
}

async function openConnection(rawUrl: string, live: boolean, signal: AbortSignal): Promise<Connection> {
  const masked = maskUrlPassword(rawUrl);
  let input = rawUrl;
  if (!live) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) && !/^file:\/\//i.test(rawUrl)) {
      throw new FrameSourceError(masked, `Unsupported video URL "${masked}": expected rtsp://, rtsps:// or a local file path`, false);
    }
    input = /^file:\/\//i.test(rawUrl) ? fileURLToPath(rawUrl) : rawUrl;
    const info = await stat(input).catch((err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'file not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
      throw new FrameSourceError(masked, `Cannot open video "${masked}": ${why}`, false);
    });
    if (!info.isFile()) throw new FrameSourceError(masked, `Cannot open video "${masked}": not a file`, false);
  }

  let demuxer: Demuxer;
  try {
    demuxer = await Demuxer.open(input, live ? { options: RTSP_OPEN_OPTIONS, signal } : { signal });
  } catch (err) {
    const why = safeErrorText(err, rawUrl);
    const hint = live ? '' : ' (not a readable video file?)';
    throw new FrameSourceError(masked, `Cannot open video "${masked}": ${why}${hint}`, live);
  }
  try {
    const stream = demuxer.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && (s.disposition & AV_DISPOSITION_ATTACHED_PIC) === 0);
    if (!stream) {
      const kinds = demuxer.streams.map((s) => MEDIA_TYPE_NAMES.get(s.codecpar.codecType) ?? 'unknown');
      throw new FrameSourceError(masked, `"${masked}" is not a video: no video stream (found ${kinds.join(', ') || 'no streams'})`, false);
    }
    let decoder: Decoder;
    try {
      decoder = await Decoder.create(stream);
    } catch (err) {
      throw new FrameSourceError(masked, `"${masked}": cannot decode its video stream (${sourceErrorText(err)})`, false);
    }
    const tb = stream.timeBase;
    if (live) return { demuxer, decoder, stream, timeBase: tb.num / tb.den, packets: () => demuxer.packets(stream.index) };
    const fileReader = await openFileReader(input).catch((err: unknown) => {
      decoder.close();
      throw new FrameSourceError(masked, `Cannot open video "${masked}": ${sourceErrorText(err)}`, false);
    });
    const fileStream = fileReader.streams[stream.index]!;
    return { demuxer, decoder, stream, timeBase: tb.num / tb.den, packets: () => filePackets(fileReader, fileStream), fileReader };
  } catch (err) {
    await demuxer.close();
    throw err;
  }
}

async function closeConnection(connection: Connection): Promise<void> {
  connection.decoder.close();
  await connection.fileReader?.closeInput();
  await connection.demuxer.close();
}

/** Scale to fit with node-av's Scaler, then pad to a square (the Scaler cannot pad). */
async function letterboxFrame(scaler: Scaler, frame: Frame, size: number): Promise<LetterboxedImage> {
  const geometry = computeLetterbox(frame.width, frame.height, size);
  const picture = await scaler.toBuffer(frame, {
    resize: { width: geometry.scaledWidth, height: geometry.scaledHeight },
    format: 'rgb',
  });
  return {
    rgb: padIntoSquare(picture, geometry, size),
    letterbox: { scale: geometry.scale, padX: geometry.padX, padY: geometry.padY },
    width: frame.width,
    height: frame.height,
  };
}

/** Decode the first picture of an image or video file and letterbox it (e.g. street.jpg for a detector test). */
export async function readLetterboxedImage(path: string, size: number): Promise<LetterboxedImage> {
  const connection = await openConnection(path, false, new AbortController().signal);
  const scaler = new Scaler();
  try {
    for await (const frame of connection.decoder.frames(connection.packets())) {
      if (frame === null) break;
      try {
        return await letterboxFrame(scaler, frame, size);
      } finally {
        frame.free();
      }
    }
    throw new FrameSourceError(maskUrlPassword(path), `"${maskUrlPassword(path)}" contains no decodable picture`, false);
  } finally {
    scaler.close();
    await closeConnection(connection);
  }
}

interface PendingFrame {
  frame: Frame;
  timestampMs: number;
}

// A live stream's pts may jump (camera reboot, RTCP resync); beyond this the clock is re-anchored.
const LIVE_CLOCK_TOLERANCE_MS = 5_000;
// Below that, the anchor is pulled this fraction of the error per frame toward the host clock, so a camera
// clock that runs slightly fast or slow does not drift away over hours (and network jitter averages out).
const LIVE_CLOCK_SLEW = 0.01;

class DecodedFrameSource implements FrameSource {
  readonly url: string;
  state: StreamState = 'connecting';
  lastError: string | null = null;
  lastFrameAtMs: number | null = null;
  framesDecoded = 0;
  framesSkipped = 0;
  framesDropped = 0;
  framesEmitted = 0;
  reconnects = 0;

  private readonly dropStale: boolean;
  private readonly stallTimeoutMs: number;
  private readonly scaler = new Scaler();
  private readonly sampler: FrameRateSampler;
  private readonly stop = new AbortController();
  private current: Connection | null = null;
  private pending: PendingFrame | null = null;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;
  private reading = false;
  private converting: Promise<unknown> | null = null;
  private finished = false;
  private fatal: Error | null = null;
  private lastTimestampMs = -Infinity;
  private anchor: { wallMs: number; ptsMs: number } | null = null;
  private everStreamed = false;
  private running: Promise<void> = Promise.resolve();
  private readonly onAbort = () => void this.close();

  constructor(
    private readonly rawUrl: string,
    readonly live: boolean,
    private readonly options: FrameSourceOptions,
  ) {
    this.url = maskUrlPassword(rawUrl);
    this.dropStale = live || options.realtime === true;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 5_000;
    this.sampler = new FrameRateSampler(options.targetFps);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  start(first: Connection | null): void {
    this.running = this.run(first);
  }

  get closed(): boolean {
    return this.stop.signal.aborted;
  }

  async read(): Promise<VideoFrame | null> {
    if (this.reading) throw new Error('FrameSource.read(): a read is already in progress (single consumer)');
    this.reading = true;
    try {
      for (;;) {
        const pending = this.pending;
        if (pending) {
          this.pending = null;
          this.wakeProducer?.();
          const conversion = letterboxFrame(this.scaler, pending.frame, this.options.letterboxSize);
          this.converting = conversion;
          try {
            const image = await conversion;
            return { ...image, timestampMs: pending.timestampMs, seq: this.framesEmitted++ };
          } finally {
            this.converting = null;
            pending.frame.free();
          }
        }
        if (this.finished || this.closed) {
          this.releaseScaler();
          if (this.fatal) {
            const err = this.fatal;
            this.fatal = null;
            throw err;
          }
          return null;
        }
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
        this.wakeConsumer = null;
      }
    } finally {
      this.reading = false;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<VideoFrame> {
    return {
      next: async () => {
        const frame = await this.read();
        return frame ? { value: frame, done: false } : { value: undefined, done: true };
      },
      // Leaving a for-await loop closes the source.
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.stop.abort();
      this.options.signal?.removeEventListener('abort', this.onAbort);
      // Unblock a pending network read so the pump loop ends before the demuxer is freed.
      this.current?.demuxer.interrupt();
      this.wake();
    }
    await this.running;
    // A read() may still be scaling its frame: the scaler must outlive that call.
    await this.converting?.catch(() => undefined);
    if (this.pending) {
      this.pending.frame.free();
      this.pending = null;
    }
    this.releaseScaler();
  }

  private scalerReleased = false;

  // A for-await loop that runs to the end never calls close(), so the scaler is also released at end of stream.
  private releaseScaler(): void {
    if (this.scalerReleased || this.pending || this.converting) return;
    this.scalerReleased = true;
    this.scaler.close();
  }

  private wake(): void {
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async run(first: Connection | null): Promise<void> {
    let connection = first;
    let attempt = 0;
    try {
      while (!this.closed) {
        if (!connection) {
          try {
            connection = await openConnection(this.rawUrl, this.live, this.stop.signal);
          } catch (err) {
            if (this.closed) break;
            this.lastError = err instanceof FrameSourceError ? err.message : safeErrorText(err, this.rawUrl);
            if (!this.live) throw err;
            this.state = this.everStreamed ? 'reconnecting' : 'connecting';
            await this.sleep(reconnectDelayMs(attempt++, this.options.reconnect));
            continue;
          }
        }
        this.current = connection;
        let decoded = 0;
        try {
          decoded = await this.pump(connection);
        } finally {
          this.current = null;
          await closeConnection(connection);
          connection = null;
        }
        if (!this.live || this.closed) break;
        // Any end of a live stream (server gone, read timeout, stall, true EOS) means: reconnect.
        if (decoded > 0) attempt = 0;
        this.reconnects++;
        this.state = this.everStreamed ? 'reconnecting' : 'connecting';
        await this.sleep(reconnectDelayMs(attempt++, this.options.reconnect));
      }
    } catch (err) {
      if (!this.closed) {
        this.fatal = err instanceof Error ? err : new Error(String(err));
        this.lastError = this.fatal.message;
      }
    } finally {
      if (connection) await closeConnection(connection);
      this.state = 'ended';
      this.finished = true;
      this.wake();
    }
  }

  /** Decode one connection until it ends; returns the number of frames decoded. */
  private async pump(connection: Connection): Promise<number> {
    let decoded = 0;
    let lastFrameAt = performance.now();
    let stalled = false;
    let failed = false;
    this.anchor = null;
    this.sampler.reset();
    const watchdog = this.live
      ? setInterval(
          () => {
            const idleMs = performance.now() - lastFrameAt;
            if (idleMs > this.stallTimeoutMs && !stalled) {
              stalled = true;
              this.lastError = `"${this.url}" stalled: no frame for ${Math.round(idleMs)} ms`;
              connection.demuxer.interrupt();
            }
          },
          Math.min(1_000, this.stallTimeoutMs / 2),
        )
      : null;
    watchdog?.unref();
    try {
      for await (const frame of connection.decoder.frames(connection.packets())) {
        if (frame === null) break;
        if (this.closed) {
          frame.free();
          break;
        }
        decoded++;
        this.framesDecoded++;
        lastFrameAt = performance.now();
        this.lastFrameAtMs = Date.now();
        this.state = 'streaming';
        this.everStreamed = true;

        const ptsMs = this.ptsMs(frame, connection);
        if (!this.sampler.take(ptsMs)) {
          this.framesSkipped++;
          frame.free();
          continue;
        }
        const timestampMs = this.wallClockMs(ptsMs);
        if (this.options.realtime && !this.live) await this.sleep(timestampMs - Date.now());
        await this.publish({ frame, timestampMs });
      }
    } catch (err) {
      if (this.closed) return decoded;
      if (!this.live) {
        throw new FrameSourceError(this.url, `Decoding "${this.url}" failed: ${safeErrorText(err, this.rawUrl)}`, false);
      }
      failed = true;
      this.lastError = `"${this.url}": ${safeErrorText(err, this.rawUrl)}`;
    } finally {
      if (watchdog) clearInterval(watchdog);
    }
    if (this.live && !this.closed && !stalled && !failed) {
      this.lastError = `"${this.url}" ended after ${decoded} frames (server closed, read timeout or end of stream)`;
    }
    return decoded;
  }

  private ptsMs(frame: Frame, connection: Connection): number {
    let pts = frame.pts;
    if (pts === AV_NOPTS_VALUE) pts = frame.bestEffortTimestamp;
    // No usable timestamp (some cameras): fall back to arrival time so sampling still works.
    if (pts === AV_NOPTS_VALUE) return performance.now();
    return Number(pts) * connection.timeBase * 1000;
  }

  /** wall time at the first frame + (pts − first pts); for live streams re-anchored on pts jumps and slewed. */
  private wallClockMs(ptsMs: number): number {
    const now = Date.now();
    let anchor = this.anchor;
    if (anchor && this.live) {
      const error = now - (anchor.wallMs + (ptsMs - anchor.ptsMs));
      if (Math.abs(error) > LIVE_CLOCK_TOLERANCE_MS) anchor = null;
      else anchor.wallMs += error * LIVE_CLOCK_SLEW;
    } else if (anchor && ptsMs < anchor.ptsMs) {
      anchor = null;
    }
    if (!anchor) {
      anchor = { wallMs: now, ptsMs };
      this.anchor = anchor;
    }
    const mapped = anchor.wallMs + (ptsMs - anchor.ptsMs);
    // Consumers (tracker, dwell) rely on strictly increasing time, also across reconnects.
    const timestampMs = Math.max(mapped, this.lastTimestampMs + 1);
    this.lastTimestampMs = timestampMs;
    return timestampMs;
  }

  private async publish(next: PendingFrame): Promise<void> {
    if (!this.dropStale) {
      // Evaluation on a file: wait for the consumer, deliver every sampled frame.
      while (this.pending && !this.closed) {
        await new Promise<void>((resolve) => (this.wakeProducer = resolve));
        this.wakeProducer = null;
      }
    }
    if (this.closed) {
      next.frame.free();
      return;
    }
    if (this.pending) {
      this.pending.frame.free();
      this.framesDropped++;
    }
    this.pending = next;
    this.wakeConsumer?.();
  }
}

/**
 * Open a video source and validate it (reachable, has a video stream). Throws FrameSourceError with the
 * masked URL otherwise. For rtsp:// the source then reconnects on its own, for ever, until closed.
 */
export async function openFrameSource(options: FrameSourceOptions): Promise<FrameSource> {
  const { url, targetFps, letterboxSize } = options;
  if (typeof url !== 'string' || url.trim() === '') throw new TypeError('openFrameSource: url is required');
  if (!(Number.isFinite(targetFps) && targetFps > 0)) throw new RangeError(`openFrameSource: targetFps must be > 0, got ${targetFps}`);
  if (!(Number.isInteger(letterboxSize) && letterboxSize >= 32)) {
    throw new RangeError(`openFrameSource: letterboxSize must be an integer ≥ 32, got ${letterboxSize}`);
  }
  options.signal?.throwIfAborted();

  const live = isLiveUrl(url);
  const source = new DecodedFrameSource(url, live, options);
  let first: Connection | null = null;
  try {
    first = await openConnection(url, live, options.signal ?? new AbortController().signal);
  } catch (err) {
    const retry = live && options.waitForStream === true && !(err instanceof FrameSourceError && !err.transient);
    if (!retry) {
      await source.close();
      throw err;
    }
    source.lastError = err instanceof Error ? err.message : String(err);
  }
  source.start(first);
  return source;
}
