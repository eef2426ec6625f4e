// CPU time of this process and of the whole machine (Linux /proc), for the benchmarks' CPU columns.
import { readFileSync } from 'node:fs';

/** CPU seconds used by the whole process so far (all threads: workers, onnxruntime, FFmpeg). */
export function processCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}

/** Busy CPU seconds of the whole machine so far (every process), from /proc/stat; NaN where unavailable. */
export function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …, in USER_HZ (100/s); idle and iowait are not busy.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}
