// A child process for the kill scenario (outbox-kill.scenario.ts): one real EventOutbox per camera,
// fed numbered entrance events at a steady rate, the way a camera worker feeds it. After enqueue()
// returns, the event's number is appended to `<dir>/<camera>.emitted` with a synchronous write, so a
// SIGKILL at any moment leaves an exact record of what the outbox had accepted. Runs under Deno (the
// product runtime) or Node with the TypeScript hooks. Argument: the EmitterSpec as JSON (each person_key is
// `<run>:<n>`).
//
// stdout: `ready` once every outbox is open, then `buffered <camera> <n>` whenever the number of events
// not yet at the backend changes, and `emitted all` after the last event when there is a maximum.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { Logger } from '../src/runtime/log.ts';
import { EventOutbox } from '../src/runtime/outbox.ts';
import { emittedFile, type EmitterSpec } from './outbox-kill.scenario.ts';

async function main(spec: EmitterSpec): Promise<void> {
  const log = Logger.create({ level: 'error', sink: (line) => process.stderr.write(line + '\n') });
  const outboxes = await Promise.all(
    spec.cameras.map((c) =>
      EventOutbox.open({
        apiBase: spec.apiBase,
        apiKey: c.apiKey,
        orgId: spec.orgId,
        storeId: spec.storeId,
        cameraId: c.cameraId,
        dir: join(spec.dir, c.cameraId),
        maxEvents: spec.maxEvents,
        maxWaitMs: spec.maxWaitMs,
        maxDiskBytes: 64 * 1024 * 1024,
        requestTimeoutMs: spec.requestTimeoutMs,
        retryInitialMs: 200,
        retryMaxMs: 2000,
        log,
      }),
    ),
  );
  let n = 0;
  const reported = spec.cameras.map(() => -1);
  const emit = setInterval(() => {
    if (spec.maxEventsPerCamera !== undefined && n >= spec.maxEventsPerCamera) {
      clearInterval(emit);
      reported.fill(-1); // report every camera again after this line
      return void process.stdout.write('emitted all\n');
    }
    spec.cameras.forEach((c, i) => {
      outboxes[i].enqueue([{ type: 'entrance', ts: new Date().toISOString(), direction: n % 2 ? 'out' : 'in', person_key: `${spec.run}:${n}` }]);
      appendFileSync(emittedFile(spec.dir, c.cameraId, spec.run), `${n}\n`);
    });
    n++;
  }, 1000 / spec.eventsPerSecond);
  const report = setInterval(
    () =>
      outboxes.forEach((o, i) => {
        const { bufferedCount, pendingCount } = o.counters; // events not yet at the backend, on disk or in memory
        if (bufferedCount + pendingCount === reported[i]) return;
        reported[i] = bufferedCount + pendingCount;
        process.stdout.write(`buffered ${spec.cameras[i].cameraId} ${reported[i]}\n`);
      }),
    20,
  );
  process.on('SIGTERM', () => {
    clearInterval(emit);
    clearInterval(report);
    void Promise.all(outboxes.map((o) => o.flush(2000))).then(() => process.exit(0));
  });
  process.stdout.write('ready\n');
}

await main(JSON.parse(process.argv[process.argv.length - 1]) as EmitterSpec);
