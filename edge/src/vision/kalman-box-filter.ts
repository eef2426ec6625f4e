// Constant-velocity Kalman filter over a person's box, as in SORT / DeepSORT / ByteTrack.
// State (8): cx, cy, aspect (w/h), h, and their velocities. Measurement (4): cx, cy, aspect, h.
// Noise is proportional to box height, so a person far from the camera (small box) gets
// proportionally small uncertainty. Time is in "nominal frames": dt = 1 reproduces ByteTrack
// exactly; a dropped frame is dt = 2, so the motion model survives an uneven frame rate.

import type { Box } from './geometry.ts';

export type Measurement = readonly [number, number, number, number]; // cx, cy, aspect, h
type Matrix = number[][];

/** A saved filter state (see KalmanBoxFilter.save). */
export interface KalmanState {
  readonly mean: readonly number[];
  readonly covariance: ReadonlyArray<readonly number[]>;
}

// ByteTrack's tuning.
const STD_WEIGHT_POSITION = 1 / 20;
const STD_WEIGHT_VELOCITY = 1 / 160;

export function boxToMeasurement(b: Box): Measurement {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return [b[0] + w / 2, b[1] + h / 2, h > 0 ? w / h : 0, h];
}

export function measurementToBox(m: ArrayLike<number>): Box {
  const h = m[3];
  const w = m[2] * h;
  return [m[0] - w / 2, m[1] - h / 2, m[0] + w / 2, m[1] + h / 2];
}

export class KalmanBoxFilter {
  private mean: number[];
  private covariance: Matrix;

  constructor(initial: Box) {
    const z = boxToMeasurement(initial);
    const h = z[3];
    this.mean = [z[0], z[1], z[2], z[3], 0, 0, 0, 0];
    const p = STD_WEIGHT_POSITION * h;
    const v = STD_WEIGHT_VELOCITY * h;
    this.covariance = diagonal([2 * p, 2 * p, 1e-2, 2 * p, 10 * v, 10 * v, 1e-5, 10 * v].map((s) => s * s));
  }

  /** Current estimate as a box. */
  get box(): Box {
    return measurementToBox(this.mean);
  }

  /** A copy of the filter's state, to go back to later (OC-SORT's observation-centric re-update). */
  save(): KalmanState {
    return { mean: [...this.mean], covariance: this.covariance.map((row) => [...row]) };
  }

  /** Returns to a state from save(). */
  restore(state: KalmanState): void {
    this.mean = [...state.mean];
    this.covariance = state.covariance.map((row) => [...row]);
  }

  /** Current velocity of the box centre, in pixels per nominal frame. */
  get velocity(): readonly [number, number] {
    return [this.mean[4], this.mean[5]];
  }

  /**
   * Advance the state by dt nominal frames. `freezeHeight` zeroes the height velocity first,
   * as ByteTrack does for a track it cannot see, so an occluded box does not shrink or blow up.
   */
  predict(dt = 1, freezeHeight = false): void {
    if (freezeHeight) this.mean[7] = 0;
    const h = this.mean[3];
    const p = STD_WEIGHT_POSITION * h;
    const v = STD_WEIGHT_VELOCITY * h;
    // Process noise grows linearly with elapsed time (a random walk), so dt = 1 matches ByteTrack.
    const q = [p, p, 1e-2, p, v, v, 1e-5, v].map((s) => s * s * dt);

    const f = identity(8);
    for (let i = 0; i < 4; i++) f[i][i + 4] = dt;
    this.mean = multiplyVector(f, this.mean);
    const cov = multiply(multiply(f, this.covariance), transpose(f));
    for (let i = 0; i < 8; i++) cov[i][i] += q[i];
    this.covariance = cov;
  }

  /** Fold in an observed box. */
  update(observed: Box): void {
    const z = boxToMeasurement(observed);
    const h = this.mean[3];
    const p = STD_WEIGHT_POSITION * h;
    const r = [p, p, 1e-1, p].map((s) => s * s);

    // The measurement picks the first four state components, so H·P·Hᵀ and P·Hᵀ are slices of P.
    const pht = this.covariance.map((row) => row.slice(0, 4)); // 8×4
    const s = pht.slice(0, 4).map((row, i) => row.map((x, j) => (i === j ? x + r[i] : x))); // 4×4
    const gain = transpose(solveSymmetric(s, transpose(pht))); // 8×4: P·Hᵀ·S⁻¹
    const innovation = z.map((zi, i) => zi - this.mean[i]);
    this.mean = this.mean.map((m, i) => m + dot(gain[i], innovation));
    // P ← P − K·S·Kᵀ, which equals P − K·(H·P).
    const khp = multiply(gain, transpose(pht));
    this.covariance = this.covariance.map((row, i) => row.map((x, j) => x - khp[i][j]));
  }
}

function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function diagonal(d: readonly number[]): Matrix {
  return d.map((x, i) => d.map((_, j) => (i === j ? x : 0)));
}

function transpose(a: Matrix): Matrix {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function multiply(a: Matrix, b: Matrix): Matrix {
  const bt = transpose(b);
  return a.map((row) => bt.map((col) => dot(row, col)));
}

function multiplyVector(a: Matrix, x: readonly number[]): number[] {
  return a.map((row) => dot(row, x));
}

/** Solves S·X = B for symmetric positive-definite S via Cholesky (S is 4×4 here). */
function solveSymmetric(s: Matrix, b: Matrix): Matrix {
  const n = s.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j][j];
    }
  }
  const cols = b[0].length;
  const x: Matrix = Array.from({ length: n }, () => new Array<number>(cols).fill(0));
  for (let c = 0; c < cols; c++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = b[i][c];
      for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
      y[i] = sum / l[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k][c];
      x[i][c] = sum / l[i][i];
    }
  }
  return x;
}
