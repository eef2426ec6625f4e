#!/usr/bin/env node
// Runs a command beside CPU burners, to prove the test suite waits on conditions and not on the clock.
//
//   node scripts/under-load.mjs [--burners N] -- npm test
//
// N busy threads (default: 2 per core, so load ≈ 3× the cores with the suite itself) spin until the
// command ends; the load average is printed at the start and the end, and the command's exit code is ours.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const own = split >= 0 ? args.slice(0, split) : [];
const command = split >= 0 ? args.slice(split + 1) : args;
const flag = own.indexOf('--burners');
const burners = flag >= 0 ? Number(own[flag + 1]) : 2 * availableParallelism();
if (command.length === 0 || !Number.isInteger(burners) || burners < 0) {
  process.stderr.write('usage: node scripts/under-load.mjs [--burners N] -- <command> [args…]\n');
  process.exit(2);
}

const spin = 'for (;;) { let x = 0; for (let i = 0; i < 1e7; i++) x += i; }';
const threads = Array.from({ length: burners }, () => new Worker(spin, { eval: true }));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
process.stderr.write(`[under-load] ${burners} burner threads on ${availableParallelism()} cores; load ${load()}\n`);
const started = Date.now();
const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  process.stderr.write(
    `[under-load] ${command.join(' ')} ended (${signal ?? `exit ${code}`}) after ${((Date.now() - started) / 1000).toFixed(0)} s; load ${load()}\n`,
  );
  await Promise.all(threads.map((t) => t.terminate()));
  process.exit(code ?? 1);
});
