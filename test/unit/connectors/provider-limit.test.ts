import type { UsageBucket } from '../../../contracts/usage';
import type { Connectors } from '../../../src/connectors';
import { limitPerProvider } from '../../../src/connectors/provider-limit';
import type { PollUsageInput, UsageConnector } from '../../../src/connectors/usage-connector';

/** A connector whose every poll takes two pages and records how many polls run at once. */
function countingConnector(provider: 'openai' | 'anthropic' | 'openrouter', stats: { running: number; peak: number }): UsageConnector {
  return {
    provider,
    validateKey: async () => ({ ok: true } as never),
    async *pollUsage(_input: PollUsageInput): AsyncIterable<UsageBucket[]> {
      stats.running += 1;
      stats.peak = Math.max(stats.peak, stats.running);
      try {
        for (let page = 0; page < 2; page++) {
          await new Promise((r) => setTimeout(r, 5));
          yield [];
        }
      } finally {
        stats.running -= 1;
      }
    },
  };
}

const drain = async (it: AsyncIterable<unknown>) => { let pages = 0; for await (const _ of it) pages += 1; return pages; };
const input = (signal?: AbortSignal): PollUsageInput => ({ key: 'k', from: new Date(0), to: new Date(1), signal });

describe('limitPerProvider', () => {
  test('at most `max` polls of one provider run at once; the rest queue and all finish', async () => {
    const openai = { running: 0, peak: 0 };
    const anthropic = { running: 0, peak: 0 };
    const limited = limitPerProvider({
      openai: countingConnector('openai', openai), anthropic: countingConnector('anthropic', anthropic), openrouter: countingConnector('openrouter', { running: 0, peak: 0 }),
    } as Connectors, 3);
    const pages = await Promise.all([
      ...Array.from({ length: 12 }, () => drain(limited.openai.pollUsage(input()))),
      ...Array.from({ length: 4 }, () => drain(limited.anthropic.pollUsage(input()))),
    ]);
    expect(pages.every((n) => n === 2)).toBe(true);
    expect(openai.peak).toBe(3);
    // Providers have separate limits: anthropic's polls were not held behind openai's queue.
    expect(anthropic.peak).toBe(3);
    expect(openai.running).toBe(0);
  });

  test('a poll cancelled while queued leaves the queue and never runs; a failed poll frees its slot', async () => {
    const stats = { running: 0, peak: 0 };
    const failing: UsageConnector = {
      provider: 'openai', validateKey: async () => ({ ok: true } as never),
      // eslint-disable-next-line require-yield
      async *pollUsage() { stats.running += 1; stats.running -= 1; throw new Error('provider down'); },
    };
    const limited = limitPerProvider({ openai: failing, anthropic: failing, openrouter: failing } as Connectors, 1);
    await expect(drain(limited.openai.pollUsage(input()))).rejects.toThrow('provider down');

    const held = limitPerProvider({ openai: countingConnector('openai', stats), anthropic: failing, openrouter: failing } as Connectors, 1);
    const first = drain(held.openai.pollUsage(input()));
    const abort = new AbortController();
    const queued = drain(held.openai.pollUsage(input(abort.signal)));
    abort.abort(new Error('cancelled'));
    await expect(queued).rejects.toThrow('cancelled');
    await expect(first).resolves.toBe(2);
    // The slot the cancelled waiter never took is free: the next poll runs.
    await expect(drain(held.openai.pollUsage(input()))).resolves.toBe(2);
    expect(stats.peak).toBe(1);
  });
});
