// `npm run bench:faults` (issue #12, "loss-proof, self-healing data path"): every fault scenario of
// bench/faults/ and the edge's SIGKILL scenario, one after the other, then one table: events generated,
// stored, lost, doubled, order inversions, live-vs-PostgreSQL drift and time to heal. Target: 0 in every
// loss, double and drift column. A scenario that throws is a row saying so; the exit code is 1 when any row
// failed or missed the target.
import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { runApiCrashScenario, runRedisFaultScenario } from './faults/live-counters.fault.ts';
import { redisRestartFault } from './faults/redis-restart.fault.ts';
import { runEdgeKillScenario, runPoisonScenario, startEdgeBackend, type EdgeBackend } from './faults/edge-outbox.fault.ts';

interface Row {
  scenario: string;
  generated: number | null;
  stored: number | null;
  lost: number | null;
  doubled: number | null;
  /** null: not measured by this scenario. */
  inversions: number | null;
  drift: number | null;
  healSeconds: number | null;
  /** Whether the scenario measures a heal time at all (else the column says so rather than "never"). */
  heals: boolean;
  notes: string;
  failed?: string;
}

const log = (line: string) => console.log(`    ${line}`);
const secs = (s: number | null | undefined) => (s === null || s === undefined ? 'never' : `${s.toFixed(1)} s`);

/** The row of a scenario that threw: nothing measured, the reason in `failed`. */
function failedRow(scenario: string, failed: string): Row {
  return {
    scenario,
    generated: null,
    stored: null,
    lost: null,
    doubled: null,
    inversions: null,
    drift: null,
    healSeconds: null,
    heals: false,
    notes: '',
    failed,
  };
}

async function scenario(rows: Row[], name: string, run: () => Promise<Omit<Row, 'scenario'>>): Promise<void> {
  const started = Date.now();
  console.log(`\n[${rows.length + 1}] ${name} …`);
  try {
    const row = await run();
    rows.push({ scenario: name, ...row });
    console.log(`    done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${row.notes}`);
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    rows.push(failedRow(name, message));
    console.log(`    FAILED after ${((Date.now() - started) / 1000).toFixed(0)} s: ${e instanceof Error ? e.stack : message}`);
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  console.log(`WINK fault benchmark (issue 12), ${startedAt.toISOString()}, ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const rows: Row[] = [];

  await scenario(rows, 'API SIGKILLed mid-ingest (edge re-sends)', async () => {
    const r = await runApiCrashScenario({ log });
    return {
      generated: r.generated,
      stored: r.stored,
      lost: r.lost,
      doubled: r.doubled,
      inversions: null,
      drift: r.drift,
      healSeconds: r.healSeconds,
      heals: true,
      notes: `${r.kills} kills; /live off by ${r.driftBeforeHeal} before the heal`,
    };
  });
  await scenario(rows, 'Redis FLUSHALL, restart, stop during ingest (live)', async () => {
    const r = await runRedisFaultScenario({ log });
    const polls = Object.entries(r.pollStatuses)
      .map(([s, n]) => `${n}×${s}`)
      .join(' ');
    return {
      generated: r.generated,
      stored: r.stored,
      lost: r.lost,
      doubled: r.doubled,
      inversions: null,
      drift: r.drift,
      healSeconds: r.healSeconds,
      heals: true,
      notes:
        `healed ${secs(r.afterFlushAndRestartSeconds)} after flush+restart; while down /live ${[...new Set(r.whileDown.liveStatuses)].join('/')}` +
        ` from ${[...new Set(r.whileDown.liveSources)].join('/')}, ingest ${r.whileDown.ingestAcked}/${r.whileDown.ingestBatches} acked; polls ${polls}`,
    };
  });
  for (const fault of ['flushall', 'restart'] as const) {
    await scenario(rows, `Redis ${fault === 'flushall' ? 'FLUSHALL' : 'SIGKILL + restart'}: schedulers, late rollups`, async () => {
      const r = await redisRestartFault({ fault });
      return {
        generated: r.generated,
        stored: r.raw,
        lost: r.generated - r.raw,
        doubled: Math.max(0, r.rolledUp - r.raw),
        inversions: null,
        drift: r.drift,
        healSeconds: r.healSeconds,
        heals: true,
        notes:
          `rollup ${r.rolledUp}/${r.raw} (drift = raw − rollup); schedulers ${r.schedulersAfterFault.present}→${r.schedulers.present}/${r.schedulers.expected}; ` +
          `job lost by the fault: ${r.jobLost}; bound ${r.boundSeconds} s`,
      };
    });
  }

  let backend: EdgeBackend | null = null;
  try {
    backend = await startEdgeBackend();
    for (const mode of ['up', 'hung', 'down'] as const) {
      await scenario(rows, `Edge SIGKILLed, backend ${mode === 'up' ? 'answering' : mode === 'hung' ? 'hung' : 'refusing'}`, async () => {
        const r = await runEdgeKillScenario(backend!, mode);
        const sum = (k: 'emitted' | 'stored' | 'lost' | 'doubled' | 'outOfOrder') => r.cameras.reduce((a, c) => a + c[k], 0);
        return {
          generated: sum('emitted'),
          stored: sum('stored'),
          lost: sum('lost'),
          doubled: sum('doubled'),
          inversions: sum('outOfOrder'),
          drift: null,
          healSeconds: null,
          heals: false,
          notes: `${r.cameras.length} cameras, ${r.runtime}, ${r.seconds.toFixed(0)} s`,
        };
      });
    }
    for (const poison of ['future', 'nul'] as const) {
      await scenario(rows, `Poison: 1 of 600 (${poison === 'future' ? 'ts +10 min' : 'NUL in text'}) via outbox`, async () => {
        const r = await runPoisonScenario(backend!, poison);
        return {
          generated: r.generated,
          stored: r.stored,
          lost: r.lost,
          doubled: r.doubled,
          inversions: r.outOfOrder,
          drift: null,
          healSeconds: r.healSeconds,
          heals: true,
          notes:
            `dead-lettered ${r.deadLettered}${r.poisonDeadLettered ? ' (the poison' : ' (NOT the poison'}, status ${r.deadLetterStatus ?? 'none: edge check'}` +
            `: ${r.deadLetterReason.slice(0, 70)})${r.poisonStored ? '; poison STORED' : ''}`,
        };
      });
    }
  } catch (e) {
    console.log(`    the edge scenarios' backend did not start: ${e instanceof Error ? e.stack : String(e)}`);
    rows.push(failedRow('Edge scenarios (backend did not start)', String(e)));
  } finally {
    await backend?.close();
  }

  const cell = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
  const table: string[][] = [['scenario', 'generated', 'stored', 'lost', 'doubled', 'order inversions', 'live−PG drift', 'time to heal', 'notes']];
  for (const r of rows) {
    if (r.failed) table.push([r.scenario, '—', '—', '—', '—', '—', '—', '—', `FAILED: ${r.failed.slice(0, 120)}`]);
    else
      table.push([
        r.scenario,
        cell(r.generated),
        cell(r.stored),
        cell(r.lost),
        cell(r.doubled),
        cell(r.inversions),
        cell(r.drift),
        r.heals ? secs(r.healSeconds) : '—',
        r.notes,
      ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + [line(table[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...table.slice(1).map(line)].join('\n'));

  const missed = rows.filter(
    (r) =>
      r.failed || (r.lost ?? 0) !== 0 || (r.doubled ?? 0) !== 0 || (r.drift ?? 0) !== 0 || (r.inversions ?? 0) !== 0 || (r.heals && r.healSeconds === null),
  );
  const loadAfter = loadavg();
  console.log(
    `\nStarted ${startedAt.toISOString()}, took ${((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)} min; load average (1/5/15 min) before ` +
      `${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores.`,
  );
  console.log('"—": not measured by that scenario. Drift: /live against PostgreSQL at the end (Redis-restart rows: hourly rollup against raw events).');
  console.log(
    'Time to heal: from the end of the last fault until /live (or the rollup and schedulers) equalled PostgreSQL; poison rows: until every valid event was stored.',
  );
  console.log(
    missed.length === 0
      ? 'Target (0 lost, 0 doubled, 0 drift, 0 inversions, every heal within its deadline): met in every scenario.'
      : `Target NOT met in ${missed.length} scenario(s): ${missed.map((r) => r.scenario).join('; ')}`,
  );
  process.exitCode = missed.length === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
