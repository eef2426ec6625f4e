import type { Box } from './geometry.ts';
import { boxToMeasurement, KalmanBoxFilter, measurementToBox } from './kalman-box-filter.ts';

const shifted = (b: Box, dx: number): Box => [b[0] + dx, b[1], b[2] + dx, b[3]];
const START: Box = [70, 220, 130, 400];

describe('KalmanBoxFilter', () => {
  it('round-trips boxes through (cx, cy, aspect, h)', () => {
    expect(boxToMeasurement(START)).toEqual([100, 310, 60 / 180, 180]);
    const back = measurementToBox(boxToMeasurement(START));
    back.forEach((v, i) => expect(v).toBeCloseTo(START[i], 9));
  });

  it('stays put for a stationary person', () => {
    const k = new KalmanBoxFilter(START);
    for (let f = 0; f < 20; f++) {
      k.predict();
      k.update(START);
    }
    k.box.forEach((v, i) => expect(v).toBeCloseTo(START[i], 6));
    expect(Math.abs(k.velocity[0])).toBeLessThan(1e-6);
  });

  it.each([
    ['every frame', 1],
    ['every third frame', 3],
  ])('learns a constant walking speed when observed %s', (_name, dt) => {
    const speed = 5; // px per nominal frame
    const k = new KalmanBoxFilter(START);
    for (let f = dt; f <= 30; f += dt) {
      k.predict(dt);
      k.update(shifted(START, speed * f));
    }
    expect(k.velocity[0]).toBeCloseTo(speed, 0);
    // Ten frames unseen: the prediction walks on.
    for (let i = 0; i < 10; i++) k.predict(1, true);
    expect((k.box[0] + k.box[2]) / 2).toBeCloseTo(100 + speed * 40, -1);
    expect(k.box[3] - k.box[1]).toBeCloseTo(180, 0);
  });
});
