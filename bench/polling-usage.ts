/**
 * Deterministic usage for the polling benchmark's provider fakes: every figure derives from the connection's key,
 * the model and the hour, so thousands of accounts need no stored state. The hour still open grows with the
 * clock, like a real account's, so a re-poll of it updates a row (a new revision) instead of changing nothing.
 */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type FakeProvider = 'openai' | 'anthropic' | 'openrouter';

/** Key prefixes the fakes accept: the providers' own, plus `bench-<n>` so each connection is its own account. */
export const BENCH_KEY_PREFIX: Record<FakeProvider, string> = {
  openai: 'sk-admin-bench-',
  anthropic: 'sk-ant-admin01-bench-',
  openrouter: 'sk-or-v1-bench-',
};

const MODELS: Record<FakeProvider, string[]> = {
  openai: ['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-2025-04-14', 'o3-2025-04-16', 'gpt-5-2025-08-07'],
  anthropic: ['claude-sonnet-4-20250514', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805', 'claude-3-5-haiku-20241022'],
  openrouter: ['openai/gpt-4.1', 'anthropic/claude-sonnet-4', 'google/gemini-2.5-flash', 'meta-llama/llama-3.3-70b-instruct', 'deepseek/deepseek-chat'],
};

/** FNV-1a, 32 bits: fast and stable; the figures only need to look varied, not be random. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One to four models per account, always the same ones for the same key. */
export function modelsOf(provider: FakeProvider, key: string): string[] {
  const all = MODELS[provider];
  const count = 1 + (hash32(`${key}#n`) % 4);
  const first = hash32(`${key}#m`) % all.length;
  return Array.from({ length: count }, (_, i) => all[(first + i) % all.length]);
}

export interface HourUsage { input: number; cacheRead: number; cacheWrite: number; output: number; requests: number }

/**
 * Tokens of one model in one hour (or one day with `widthMs` = a day), or null for a quiet hour (about one in five).
 * The bucket holding `nowMs` is scaled by the part of it that has passed.
 */
export function usageAt(key: string, model: string, startMs: number, widthMs: number, nowMs: number): HourUsage | null {
  const h = hash32(`${key}|${model}|${startMs}|${widthMs}`);
  if (h % 5 === 0 || startMs >= nowMs) return null;
  const scale = Math.min(1, (nowMs - startMs) / widthMs) * (widthMs / HOUR_MS);
  const base = (1_000 + (hash32(`${key}|${model}`) % 200_000)) * (0.5 + (h % 1000) / 1000);
  const input = Math.max(1, Math.round(base * scale));
  const cacheRead = Math.round(input * ((h >>> 10) % 60) / 100);
  const cacheWrite = Math.round((input - cacheRead) * ((h >>> 16) % 10) / 100);
  return { input, cacheRead, cacheWrite, output: Math.round(input * (0.05 + ((h >>> 20) % 30) / 100)), requests: Math.max(1, Math.round(input / 2_500)) };
}

/** Unix-millisecond bucket bounds over [startMs, endMs): `snap` aligns the first to the width, `omitPartial` drops a last bucket cut by the end. */
export function bucketBounds(startMs: number, endMs: number, widthMs: number, options: { snap: boolean; omitPartial: boolean }): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = options.snap ? Math.floor(startMs / widthMs) * widthMs : startMs;
  while (from < endMs) {
    const boundary = (Math.floor(from / widthMs) + 1) * widthMs;
    if (boundary > endMs && options.omitPartial) break;
    const to = Math.min(boundary, endMs);
    out.push([from, to]);
    from = to;
  }
  return out;
}

/** The providers' opaque `page_…` cursors: an offset only this fake decodes. */
export const encodePage = (offset: number): string => `page_${Buffer.from(String(offset)).toString('base64')}`;
export function decodePage(cursor: string | null): number | undefined {
  if (cursor === null) return 0;
  if (!cursor.startsWith('page_')) return undefined;
  const offset = Number(Buffer.from(cursor.slice(5), 'base64').toString('utf8'));
  return Number.isInteger(offset) && offset >= 0 ? offset : undefined;
}
