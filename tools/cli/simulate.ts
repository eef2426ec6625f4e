// `npm run simulate -- --stores N --days D [--from DATE] [--rate X] [--promo S:E:LIFT] [--live] …`:
// simulated shopper traffic through the real admin and ingest APIs (see docs/simulator.md).
import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { FleetError } from '../simulator/simulated-fleet.ts';
import { SIMULATE_USAGE, SimulateFlagError, parseKeysFile, parseSimulateFlags, type SimulateCommand } from '../simulator/simulate-flags.ts';
import { formatBackfillSummary, formatDuration, formatLiveSummary } from '../simulator/simulation-summary.ts';
import { StoreLayoutError } from '../simulator/store-layout.ts';
import { StoreTrafficSimulator, type SimulationSettings } from '../simulator/store-traffic-simulator.ts';
import { WinkApiError } from '../simulator/wink-api-client.ts';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
/** Events per second, with a decimal when it is small (live traffic of a few stores). */
const rate = (events: number, ms: number) => {
  const perSecond = events / Math.max(ms / 1000, 1e-3);
  return perSecond < 10 ? perSecond.toFixed(1) : n(perSecond);
};

function readKeys(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SimulateFlagError(`--keys-file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseKeysFile(text, path);
}

function describeRun(cmd: SimulateCommand): string {
  const s = cmd.settings;
  const where = 'stores' in s.target ? `${s.target.stores} store(s) (sim_store_…)` : `store ${s.target.storeId}`;
  const when = s.from ? `${s.days} day(s) from ${s.from}` : `${s.days} day(s) ending today`;
  const promo = s.promotion ? `, promo ${s.promotion.first}..${s.promotion.last} ×${s.promotion.lift}` : '';
  return `Simulating ${where}, ${when}, ${s.rate} visitors/h at peak, spikes p=${s.spikeProbability}${promo}, seed "${s.seed}" → ${s.api}`;
}

/** A TTY gets a redrawn bar; a log file gets a line every few seconds. */
function progressBars(): cliProgress.MultiBar {
  return new cliProgress.MultiBar({
    format: ' {bar} {percentage}% | {value}/{total} events | {speed} ev/s | ETA {eta_formatted}',
    formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? n(v) : String(v)),
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
    noTTYOutput: true,
    notTTYSchedule: 3000,
  });
}

async function main(): Promise<number> {
  const cmd = parseSimulateFlags(process.argv.slice(2), process.env, Date.now());
  if (cmd.help) {
    console.log(SIMULATE_USAGE);
    return 0;
  }
  const settings: SimulationSettings = {
    ...cmd.settings,
    target:
      'storeId' in cmd.settings.target ? { storeId: cmd.settings.target.storeId, keys: cmd.keysFile ? readKeys(cmd.keysFile) : null } : cmd.settings.target,
  };
  console.log(describeRun(cmd));

  const bars = progressBars();
  let bar: cliProgress.SingleBar | null = null;
  /** The bars on screen, if any: messages go above them instead of through them. */
  let onScreen: cliProgress.MultiBar | null = null;
  let barsShown = false;
  /** Stops the bar once (in a log, every stop() prints it again); a bar never shown is not printed at all. */
  const stopBars = () => {
    if (barsShown) bars.stop();
    barsShown = false;
    bar = null;
    onScreen = null;
  };
  const say = (m: string) => {
    if (!onScreen) return console.log(m);
    onScreen.log(m + '\n');
    onScreen.update(); // redraw now: the live bar redraws only once a second, and may be stopped before
  };
  const stop = new AbortController();
  let interrupts = 0;
  // SIGTERM too (a supervisor, or npm passing one on): the run still revokes the edge keys it issued.
  const interrupt = () => {
    if (++interrupts > 1) process.exit(130);
    say('Stopping after the requests in flight… (Ctrl-C again to quit at once)');
    stop.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const simulator = new StoreTrafficSimulator(settings, {
    log: (m) => say(`  ${m}`),
    onRetry: (r) => say(`  ${r.method} ${r.path} → ${r.status || 'no response'}: ${r.detail}; retry ${r.retry} in ${r.delayMs} ms`),
    onProgress: (p) => {
      // The bar appears with the first stored batch, so a run refused at once prints only the refusal.
      if (p.sent === 0) return;
      if (!bar) {
        bar = bars.create(Math.max(p.total, 1), 0, { speed: '0' });
        barsShown = true;
        onScreen = bars;
      }
      bar.setTotal(Math.max(p.total, 1));
      bar.update(p.sent, { speed: rate(p.sent, p.elapsedMs) });
    },
  });

  await simulator.prepare();
  try {
    const report = await simulator.backfill(stop.signal);
    stopBars();
    console.log('\n' + formatBackfillSummary(report));
    if (cmd.live && !stop.signal.aborted) {
      console.log('\nLive: sending events as they happen, with heartbeats every 30 s. Ctrl-C to stop.');
      const liveBars = new cliProgress.MultiBar({
        // {running}, not {duration}: that one is cli-progress's own (whole seconds).
        format: ' live {running} | {sent} events sent ({speed} ev/s) | {accepted} new | {perHour} visitors/h now (all stores)',
        hideCursor: true,
        fps: 1,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      const liveBar = liveBars.create(1, 0, { running: '0.0 s', sent: '0', speed: '0', accepted: '0', perHour: '0' });
      onScreen = liveBars;
      const live = await simulator.live(stop.signal, (s) => {
        liveBar.update(0, {
          running: formatDuration(s.elapsedMs),
          sent: n(s.sent),
          speed: rate(s.sent, s.elapsedMs),
          accepted: n(s.accepted),
          perHour: n(s.visitorsPerHourNow),
        });
      });
      liveBars.stop();
      onScreen = null;
      console.log('\n' + formatLiveSummary(live));
    }
  } finally {
    stopBars();
    await simulator.release().then(
      () => {},
      (e) => console.error(`Could not revoke this run's edge keys: ${(e as Error).message}`),
    );
  }
  return stop.signal.aborted && !cmd.live ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof SimulateFlagError) {
      console.error(`simulate: ${e.message}\nRun \`npm run simulate -- --help\` for the flags.`);
      process.exit(2);
    }
    if (e instanceof WinkApiError || e instanceof FleetError || e instanceof StoreLayoutError) {
      console.error(`\nsimulate: ${e.message}`);
      process.exit(1);
    }
    console.error(`\nsimulate failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
