import { execFileSync, type ChildProcess } from 'node:child_process';

export interface Component {
  name: string;
  stop(): Promise<void>;
  /** A child process whose unexpected exit should bring the whole stack down. */
  child?: ChildProcess;
}

/** Thrown into a start-up that is still running when a stop was requested, so it ends quietly. */
export class StopRequested extends Error {
  constructor() {
    super('stop requested');
    this.name = 'StopRequested';
  }
}

/**
 * What the launcher has started, stopped in reverse order. A component that finishes starting after the
 * stop began is stopped at once, so a Ctrl-C during start-up leaves nothing behind either.
 */
export class ComponentStack {
  private readonly components: Component[] = [];
  private readonly lateStops: Promise<void>[] = [];
  private stopping = false;

  constructor(readonly reportUnexpectedExit: (name: string, detail: string) => void) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  add<T extends Component>(component: T): T {
    if (this.stopping) {
      this.lateStops.push(component.stop().catch(() => undefined));
      return component;
    }
    this.components.push(component);
    component.child?.once('exit', (code, signal) => {
      if (!this.stopping) this.reportUnexpectedExit(component.name, signal ? `signal ${signal}` : `code ${code}`);
    });
    return component;
  }

  /** Throws StopRequested between start-up steps once a stop was requested. */
  checkpoint(): void {
    if (this.stopping) throw new StopRequested();
  }

  async stopAll(log: (line: string) => void): Promise<void> {
    this.stopping = true;
    for (let c = this.components.pop(); c; c = this.components.pop()) {
      log(`stopping ${c.name}…`);
      await c.stop().catch((err: unknown) => log(`${c.name} did not stop cleanly: ${(err as Error).message}`));
    }
    await Promise.all(this.lateStops);
  }
}

/** Direct children of this process; every helper is spawned as the leader of its own process group. */
function childPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export function signalChildren(signal: NodeJS.Signals): number {
  const pids = childPids();
  for (const pid of pids) {
    try { process.kill(-pid, signal); } catch { try { process.kill(pid, signal); } catch { /* already gone */ } }
  }
  return pids.length;
}

/** The safety net behind ComponentStack: every child left gets SIGTERM, then SIGKILL once `graceMs` has passed. */
export async function reapChildren(graceMs: number): Promise<void> {
  if (signalChildren('SIGTERM') === 0) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && childPids().length > 0) await new Promise((r) => setTimeout(r, 100));
  signalChildren('SIGKILL');
}
