// A still camera for tests and benchmarks: the first picture of a real clip held for N seconds with sensor noise, encoded
// to H.264 (node-av's FFmpeg) in a temporary folder. A shop camera spends most of the day looking at a still scene;
// the shared footage has people walking in every frame, so motion gating needs this to show what it saves.
import { existsSync } from 'node:fs';
import { Decoder, Demuxer, Encoder, FilterAPI, Muxer } from 'node-av/api';
import { FF_ENCODER_LIBX264 } from 'node-av/constants';

/** Writes `out` (once; reused when it exists) from the first picture of `source`, `seconds` long at its frame rate. */
export async function makeStillClip(source: string, out: string, seconds: number, noise = 6): Promise<string> {
  if (existsSync(out)) return out;
  await using input = await Demuxer.open(source);
  const stream = input.video()!;
  // The source's own rate: the encoder takes its settings from the decoder.
  const fps = stream.avgFrameRate.num / stream.avgFrameRate.den;
  using decoder = await Decoder.create(stream);
  // The first picture, repeated; temporal noise (allf=t) as a sensor's, different in every frame.
  using filter = FilterAPI.create(
    `loop=loop=${Math.round(seconds * fps) - 1}:size=1:start=0,settb=1/${Math.round(fps)},setpts=N,noise=alls=${noise}:allf=t,format=yuv420p`,
  );
  using encoder = await Encoder.create(FF_ENCODER_LIBX264, { decoder, options: { preset: 'veryfast', crf: 23 } });
  await using output = await Muxer.open(out);
  const index = output.addStream(encoder);
  async function* firstPicture() {
    for await (const frame of decoder.frames(input.packets(stream.index))) {
      if (!frame) continue;
      yield frame;
      return;
    }
  }
  for await (using packet of encoder.packets(filter.frames(firstPicture()))) {
    if (packet) await output.writePacket(packet, index);
  }
  return out;
}
