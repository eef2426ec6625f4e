// The contract between decoding (frame-source.ts) and detection (person-detector.ts).
// Kept free of node-av and onnxruntime so either side can run without the other (e.g. in a worker).

/**
 * One person in original frame pixels. Structurally identical to tracker.ts `Detection`
 * (box = x1,y1,x2,y2), so detections plug into the tracker without a shared import.
 */
export interface PersonDetection {
  box: readonly [number, number, number, number];
  score: number;
  /** Colour descriptor (appearance.ts), added by the pipeline when the tracker's appearance cue is on. */
  appearance?: readonly number[];
}

/** How a frame was fitted into the square model input: frame px × scale + pad = model px. */
export interface Letterbox {
  scale: number;
  padX: number;
  padY: number;
}

/** A square RGB24 model input and what is needed to map results back to the original frame. */
export interface LetterboxedImage {
  /** size×size×3 bytes, row-major RGB24, padding filled with LETTERBOX_PAD_VALUE. */
  rgb: Uint8Array;
  letterbox: Letterbox;
  /** Original frame size in pixels. */
  width: number;
  height: number;
}

/** YOLOv8 pads with gray 114; the model was trained on that border. */
export const LETTERBOX_PAD_VALUE = 114;

export interface LetterboxGeometry extends Letterbox {
  /** Size of the scaled picture inside the square. */
  scaledWidth: number;
  scaledHeight: number;
}

/** Fit width×height into size×size keeping the aspect ratio, centred (as YOLOv8 does). */
export function computeLetterbox(width: number, height: number, size: number): LetterboxGeometry {
  if (!(width > 0 && height > 0 && size > 0)) {
    throw new RangeError(`computeLetterbox: invalid sizes ${width}x${height} → ${size}`);
  }
  const scale = Math.min(size / width, size / height);
  const scaledWidth = Math.min(size, Math.max(1, Math.round(width * scale)));
  const scaledHeight = Math.min(size, Math.max(1, Math.round(height * scale)));
  return {
    scale,
    padX: Math.floor((size - scaledWidth) / 2),
    padY: Math.floor((size - scaledHeight) / 2),
    scaledWidth,
    scaledHeight,
  };
}

/**
 * Copy a tightly packed scaledWidth×scaledHeight RGB24 picture into a size×size gray canvas.
 * The scaler cannot pad, so rows are copied one by one (one copy when the picture spans the full width).
 */
export function padIntoSquare(picture: Uint8Array, geometry: LetterboxGeometry, size: number): Uint8Array {
  const { scaledWidth, scaledHeight, padX, padY } = geometry;
  const rowBytes = scaledWidth * 3;
  if (picture.length < rowBytes * scaledHeight) {
    throw new RangeError(`padIntoSquare: picture has ${picture.length} bytes, expected ${rowBytes * scaledHeight}`);
  }
  const out = new Uint8Array(size * size * 3).fill(LETTERBOX_PAD_VALUE);
  if (scaledWidth === size) {
    out.set(picture.subarray(0, rowBytes * scaledHeight), padY * size * 3);
    return out;
  }
  for (let y = 0; y < scaledHeight; y++) {
    const src = y * rowBytes;
    out.set(picture.subarray(src, src + rowBytes), ((y + padY) * size + padX) * 3);
  }
  return out;
}

/** Map a model-space box back to original frame pixels, clipped to the frame. */
export function letterboxBoxToFrame(
  box: readonly [number, number, number, number],
  letterbox: Letterbox,
  width: number,
  height: number,
): [number, number, number, number] {
  const { scale, padX, padY } = letterbox;
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  return [
    clip((box[0] - padX) / scale, width),
    clip((box[1] - padY) / scale, height),
    clip((box[2] - padX) / scale, width),
    clip((box[3] - padY) / scale, height),
  ];
}
