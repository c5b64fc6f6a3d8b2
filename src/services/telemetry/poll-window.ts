import type { Provider } from '../../../contracts/usage';

const HOUR = 3_600_000;

/**
 * How far back each poll re-reads, because providers revise recent buckets (reference/providers.md §2.7, §3.7,
 * §4.6): OpenAI 48 h, Anthropic 24 h, OpenRouter's last 3 completed days.
 */
export const REPOLL_OVERLAP_MS: Record<Provider, number> = { openai: 48 * HOUR, anthropic: 24 * HOUR, openrouter: 72 * HOUR };

/** The window one poll reads: a first poll backfills `backfillDays`; later ones resume at the cursor minus the overlap. */
export function pollWindow(provider: Provider, cursor: Date | null, now: Date, backfillDays: number): { from: Date; to: Date } {
  const from = cursor ? new Date(Math.min(cursor.getTime(), now.getTime()) - REPOLL_OVERLAP_MS[provider]) : new Date(now.getTime() - backfillDays * 24 * HOUR);
  return { from, to: now };
}
