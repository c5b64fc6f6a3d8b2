import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (100 on every mainstream Linux; asked once). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
const PAGE_BYTES = (() => {
  try {
    return Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) || 4096;
  } catch {
    return 4096;
  }
})();

/** utime + stime (ticks) and resident set (bytes) of one process, or null once it has gone. */
export function readProcess(pid: number): { ticks: number; rss: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), rss: Number(fields[21]) * PAGE_BYTES };
  } catch {
    return null;
  }
}

/** Busy and total ticks of the whole machine (every process, other agents' included). */
function readMachine(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3] - (n[4] ?? 0), total };
}

export const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export interface GroupFigures { cpuSeconds: number; cores: number; maxRssBytes: number; lastRssBytes: number }
export interface SamplerReport {
  seconds: number;
  groups: Record<string, GroupFigures>;
  /** Cores busy on the whole machine, whoever used them, and how many there are. */
  machineBusyCores: number;
  machineCores: number;
  loadAverages: string[];
}

/**
 * Samples CPU time and RSS of named groups of processes every `intervalMs`. A group's pids are asked for at
 * every sample (Postgres backends come and go); a pid's CPU counts from the first time it is seen.
 */
export class ProcSampler {
  private timer?: NodeJS.Timeout;
  private readonly lastTicks = new Map<number, number>();
  private readonly figures = new Map<string, GroupFigures>();
  private machineStart = readMachine();
  private startedAt = Date.now();
  private readonly loads: string[] = [];
  private sampling = Promise.resolve();

  constructor(private readonly groups: () => Promise<Record<string, number[]>>, private readonly intervalMs = 1000) {}

  async start(): Promise<void> {
    this.machineStart = readMachine();
    this.startedAt = Date.now();
    await this.sample();
    for (const f of this.figures.values()) f.cpuSeconds = 0;
    this.timer = setInterval(() => { this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined); }, this.intervalMs);
  }

  async stop(): Promise<SamplerReport> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const machine = readMachine();
    const cores = Number(execFileSync('nproc').toString().trim());
    const busyShare = (machine.busy - this.machineStart.busy) / Math.max(1, machine.total - this.machineStart.total);
    const groups: Record<string, GroupFigures> = {};
    for (const [name, f] of this.figures) groups[name] = { ...f, cores: f.cpuSeconds / seconds };
    return { seconds, groups, machineBusyCores: busyShare * cores, machineCores: cores, loadAverages: this.loads };
  }

  private async sample(): Promise<void> {
    const groups = await this.groups();
    if (this.loads.length === 0 || Date.now() - this.startedAt >= this.loads.length * 60_000) this.loads.push(loadAverage());
    for (const [name, pids] of Object.entries(groups)) {
      const f = this.figures.get(name) ?? { cpuSeconds: 0, cores: 0, maxRssBytes: 0, lastRssBytes: 0 };
      let rss = 0;
      for (const pid of pids) {
        const p = readProcess(pid);
        if (!p) continue;
        const before = this.lastTicks.get(pid);
        if (before !== undefined) f.cpuSeconds += (p.ticks - before) / TICKS_PER_SECOND;
        this.lastTicks.set(pid, p.ticks);
        rss += p.rss;
      }
      f.lastRssBytes = rss;
      f.maxRssBytes = Math.max(f.maxRssBytes, rss);
      this.figures.set(name, f);
    }
  }
}
