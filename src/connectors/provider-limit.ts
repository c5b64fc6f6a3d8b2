import type { Provider } from '../../contracts/usage';
import type { Connectors } from './index';
import type { PollUsageInput, UsageConnector } from './usage-connector';

/** A counting semaphore whose waiters leave the queue when their poll is cancelled. */
class Slots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.inUse < this.max) { this.inUse += 1; return; }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const grant = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      if (signal?.aborted) { reject(signal.reason); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so the count never dips below max while polls queue.
    if (next) next(); else this.inUse -= 1;
  }
}

/**
 * At most `max` polls of one provider at once in this process: a herd of pollers (a restart, a spread set to 0)
 * queues here instead of tripping the provider's rate limit. The slot is held for the whole read, pages included.
 */
export function limitPerProvider(connectors: Connectors, max: number): Connectors {
  const limit = (connector: UsageConnector): UsageConnector => {
    const slots = new Slots(max);
    return {
      provider: connector.provider,
      validateKey: (key) => connector.validateKey(key),
      async *pollUsage(input: PollUsageInput) {
        await slots.acquire(input.signal);
        try {
          yield* connector.pollUsage(input);
        } finally {
          slots.release();
        }
      },
    };
  };
  return Object.fromEntries(Object.entries(connectors).map(([provider, c]) => [provider, limit(c)])) as Record<Provider, UsageConnector>;
}
