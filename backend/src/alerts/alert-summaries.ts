// One line per alert for a person, from its evidence; the numbers themselves travel in the evidence.

const pct = (x: number) => `${Math.round(x * 100)}%`;
const duration = (s: number) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

export const SUMMARY = {
  occupancy: (occupancy: number, capacity: number, share: number) =>
    `Store over capacity: ${occupancy} people inside, ${pct(occupancy / capacity)} of ${capacity} (threshold ${pct(share)})`,
  queueLength: (queueId: string, length: number, threshold: number) => `Queue ${queueId}: ${length} people waiting (threshold ${threshold})`,
  queueWait: (queueId: string, avgWaitS: number, thresholdS: number) =>
    `Queue ${queueId}: average wait ${duration(avgWaitS)} today (threshold ${duration(thresholdS)})`,
  camera: (cameraId: string, reason: string, minutes: number) =>
    `Camera ${cameraId} not analysing for ${minutes} min (${reason === 'low_fps' ? 'below its target frame rate' : reason.replace('_', ' ')})`,
  noFootfall: (minutes: number) => `No footfall for ${minutes} min while open`,
  spike: (hour: string, count: number, expected: number) => `Traffic spike at ${hour.slice(11, 16)}: ${count} visitors, ${expected} expected`,
  eventsLost: (cameraId: string, lost: number) => `Camera ${cameraId}: the edge lost ${lost} events (dropped or dead-lettered)`,
};
