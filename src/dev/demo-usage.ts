// The demo usage itself: a year of hourly (OpenRouter: daily) buckets per demo connection. Everything is derived
// from the organization id and the absolute bucket time, never from a running random state or from "now", so a
// re-run produces the very same buckets for the hours it shares with the previous run.
import { createHash } from 'node:crypto';
import type { Provider, TokenClass, UsageBucket } from '../../contracts/usage';
import { serializeGrouping } from '../connectors/normalize';
import { seededRandom } from './seeded-random';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const YEAR_DAYS = 365;
/** Volume is anchored here (×1) and doubles every year, so any year-long window shows growth. */
const GROWTH_EPOCH_MS = Date.UTC(2026, 0, 1);
const GROWTH_PER_YEAR = 2;
/** The demo company works on US Eastern time (no DST: the shape matters, not the exact hour). */
const LOCAL_OFFSET_MS = -5 * HOUR_MS;
/** Namespace of the demo connection ids (UUIDv5 of `<org id>/demo/<key>`). */
const DEMO_NAMESPACE = 'c2a7f5b4-5e3a-4f0e-9a59-3d1c0de0d3a0';

const { imul, exp, sqrt, log: ln, cos, round, floor, min, max, abs, PI } = Math;

/** FNV-1a, 32 bits: a fast, well-mixed seed from a string; pass a prefix's hash as `h` to continue it. */
function hash32(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}



/** A standard normal draw (Box–Muller). */
function gaussian(rand: () => number): number {
  const u = max(rand(), 1e-12);
  return sqrt(-2 * ln(u)) * cos(2 * PI * rand());
}

/** Poisson by inversion for small means, a rounded normal approximation above. */
function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return max(0, round(mean + sqrt(mean) * gaussian(rand)));
  const limit = exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k += 1;
    p *= rand();
  }
  return k;
}

const clamp = (x: number, lo: number, hi: number) => min(hi, max(lo, x));

/** UUIDv5 (RFC 9562): SHA-1 of namespace + name, version and variant bits set. */
export function uuidV5(name: string, namespace = DEMO_NAMESPACE): string {
  const bytes = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const demoConnectionId = (orgId: string, key: string) => uuidV5(`${orgId}/demo/${key}`);

// ---------------------------------------------------------------------------------------------------------------
// The demo company: a product app on OpenAI, a support bot on Anthropic, a research team trying models on OpenRouter.

type Profile = 'office' | 'evening' | 'support' | 'batch' | 'research';

interface Series {
  model: string;
  grouping: string;
  profile: Profile;
  /** Mean requests per hour (per day for OpenRouter) on a weekday at the profile's peak, at the growth epoch. */
  peak: number;
  inputPerRequest: number;
  outputPerRequest: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** Share of the output that is reasoning (reported as a part of it). */
  reasoning?: number;
  /** Mix shift over absolute time: a logistic from `from` to `to` times the volume, centred on `mid` (ms). */
  shift?: { from: number; to: number; mid: number; days: number };
  /** Only some days (experiments): the probability that a day has any traffic. */
  dayProbability?: number;
}

export interface ConnectionSpec { key: string; provider: Provider; name: string; projectSlug: string; daily: boolean; series: Series[] }
export interface ProjectSpec { name: string; slug: string; isDefault: boolean }

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

export const PROJECTS: ProjectSpec[] = [
  { name: 'Default', slug: 'default', isDefault: true },
  { name: 'Support bot', slug: 'support-bot', isDefault: false },
  { name: 'Research', slug: 'research', isDefault: false },
];

const openai = (apiKey: string) => serializeGrouping({ api_key_id: apiKey, project_id: 'proj_demo_app' });
const anthropic = (apiKey: string) => serializeGrouping({ api_key_id: apiKey, workspace_id: 'wrkspc_demo_support' });
const RESEARCH = serializeGrouping({ workspace_id: 'demo-research' });

export const CONNECTIONS: ConnectionSpec[] = [
  {
    key: 'openai', provider: 'openai', name: 'Demo OpenAI', projectSlug: 'default', daily: false,
    series: [
      // The web app moves from gpt-4o to gpt-4.1-mini over the spring.
      { model: 'gpt-4o-2024-08-06', grouping: openai('key_demo_web'), profile: 'office', peak: 140, inputPerRequest: 2400, outputPerRequest: 420, cacheRead: 0.35, cacheWrite: 0.04, shift: { from: 1.3, to: 0.45, mid: day('2026-05-01'), days: 45 } },
      { model: 'gpt-4o-mini', grouping: openai('key_demo_web'), profile: 'office', peak: 420, inputPerRequest: 1500, outputPerRequest: 280, cacheRead: 0.45, cacheWrite: 0.03 },
      { model: 'gpt-4.1-mini', grouping: openai('key_demo_web'), profile: 'office', peak: 240, inputPerRequest: 1800, outputPerRequest: 340, cacheRead: 0.4, cacheWrite: 0.04, shift: { from: 0.25, to: 1.4, mid: day('2026-05-01'), days: 45 } },
      { model: 'o3-2025-04-16', grouping: openai('key_demo_web'), profile: 'office', peak: 18, inputPerRequest: 3200, outputPerRequest: 2600, cacheRead: 0.2, cacheWrite: 0.02, reasoning: 0.72 },
      { model: 'gpt-4o-2024-08-06', grouping: openai('key_demo_mobile'), profile: 'evening', peak: 70, inputPerRequest: 1900, outputPerRequest: 380, cacheRead: 0.3, cacheWrite: 0.04, shift: { from: 1.3, to: 0.45, mid: day('2026-06-15'), days: 45 } },
      { model: 'gpt-4o-mini', grouping: openai('key_demo_mobile'), profile: 'evening', peak: 260, inputPerRequest: 1200, outputPerRequest: 240, cacheRead: 0.4, cacheWrite: 0.03 },
      { model: 'gpt-4.1-mini', grouping: openai('key_demo_mobile'), profile: 'evening', peak: 120, inputPerRequest: 1500, outputPerRequest: 300, cacheRead: 0.35, cacheWrite: 0.03, shift: { from: 0.25, to: 1.4, mid: day('2026-06-15'), days: 45 } },
      { model: 'o3-2025-04-16', grouping: openai('key_demo_mobile'), profile: 'evening', peak: 6, inputPerRequest: 2800, outputPerRequest: 2300, cacheRead: 0.15, cacheWrite: 0.02, reasoning: 0.7 },
      // Nightly enrichment jobs.
      { model: 'gpt-4o-mini', grouping: openai('key_demo_batch'), profile: 'batch', peak: 900, inputPerRequest: 1100, outputPerRequest: 160, cacheRead: 0.1, cacheWrite: 0.01 },
      { model: 'gpt-4.1-mini', grouping: openai('key_demo_batch'), profile: 'batch', peak: 400, inputPerRequest: 1300, outputPerRequest: 220, cacheRead: 0.1, cacheWrite: 0.01, shift: { from: 0.2, to: 1.2, mid: day('2026-04-01'), days: 30 } },
    ],
  },
  {
    key: 'anthropic', provider: 'anthropic', name: 'Demo Anthropic', projectSlug: 'support-bot', daily: false,
    series: [
      // Long support conversations: large cached prefixes.
      { model: 'claude-sonnet-4-20250514', grouping: anthropic('apikey_demo_chat'), profile: 'support', peak: 160, inputPerRequest: 7000, outputPerRequest: 520, cacheRead: 0.62, cacheWrite: 0.08 },
      { model: 'claude-haiku-4-5', grouping: anthropic('apikey_demo_chat'), profile: 'support', peak: 220, inputPerRequest: 3200, outputPerRequest: 260, cacheRead: 0.55, cacheWrite: 0.07, shift: { from: 0.3, to: 1.2, mid: day('2026-01-15'), days: 30 } },
      { model: 'claude-haiku-4-5', grouping: anthropic('apikey_demo_triage'), profile: 'support', peak: 380, inputPerRequest: 1400, outputPerRequest: 60, cacheRead: 0.7, cacheWrite: 0.05 },
      // Escalations only.
      { model: 'claude-opus-4-1-20250805', grouping: anthropic('apikey_demo_chat'), profile: 'support', peak: 7, inputPerRequest: 11000, outputPerRequest: 900, cacheRead: 0.5, cacheWrite: 0.1 },
    ],
  },
  {
    key: 'openrouter', provider: 'openrouter', name: 'Demo OpenRouter', projectSlug: 'research', daily: true,
    series: [
      { model: 'meta-llama/llama-3.3-70b-instruct', grouping: RESEARCH, profile: 'research', peak: 1800, inputPerRequest: 2200, outputPerRequest: 450 },
      { model: 'google/gemini-2.5-flash', grouping: RESEARCH, profile: 'research', peak: 2600, inputPerRequest: 4000, outputPerRequest: 380 },
      { model: 'deepseek/deepseek-r1-0528', grouping: RESEARCH, profile: 'research', peak: 350, inputPerRequest: 2500, outputPerRequest: 3200, reasoning: 0.65 },
      // A model no factor rule knows: shows the fallback tier and its wide bounds.
      { model: 'acme/prototype-7', grouping: RESEARCH, profile: 'research', peak: 600, inputPerRequest: 3000, outputPerRequest: 700, dayProbability: 0.45 },
    ],
  },
];

/** Relative activity by local hour of day (0..23), 1 at the peak. */
const bump = (hour: number, centre: number, width: number) => {
  const d = min(abs(hour - centre), 24 - abs(hour - centre));
  return exp(-(d * d) / (2 * width * width));
};
const HOURLY: Record<Profile, (hour: number) => number> = {
  office: (h) => 0.06 + 0.94 * max(bump(h, 11, 2.2), 0.85 * bump(h, 15, 2)),
  evening: (h) => 0.1 + 0.9 * max(bump(h, 20.5, 2.2), 0.45 * bump(h, 12.5, 1.5)),
  support: (h) => 0.3 + 0.7 * bump(h, 13, 4),
  batch: (h) => (h >= 21 || h < 1 ? 1 : 0), // jobs run 21:00–01:00 local
  research: () => 1,
};
const WEEKEND: Record<Profile, number> = { office: 0.22, evening: 0.9, support: 0.65, batch: 1, research: 0.15 };

/** Year-end holidays and a quiet August. */
function seasonal(localDay: Date): number {
  const m = localDay.getUTCMonth();
  const d = localDay.getUTCDate();
  if ((m === 11 && d >= 23) || (m === 0 && d <= 2)) return 0.45;
  if (m === 7) return 0.85;
  return 1;
}

const growth = (ms: number) => GROWTH_PER_YEAR ** ((ms - GROWTH_EPOCH_MS) / (YEAR_DAYS * DAY_MS));

function shiftFactor(s: Series, ms: number): number {
  if (!s.shift) return 1;
  const x = (ms - s.shift.mid) / (s.shift.days * DAY_MS);
  return s.shift.from + (s.shift.to - s.shift.from) / (1 + exp(-x));
}

/** What is shared by every series of one bucket time: the local calendar. */
interface Moment { startMs: number; localDay: number; localHour: number; isWeekend: boolean; seasonal: number; growth: number }

function momentOf(startMs: number): Moment {
  const localMs = startMs + LOCAL_OFFSET_MS;
  const localDay = floor(localMs / DAY_MS);
  const weekday = (localDay + 4) % 7; // 1970-01-01 was a Thursday
  return {
    startMs, localDay, localHour: floor((localMs - localDay * DAY_MS) / HOUR_MS), isWeekend: weekday === 0 || weekday === 6,
    seasonal: seasonal(new Date(localDay * DAY_MS)), growth: growth(startMs),
  };
}

/**
 * One bucket of one series, or none when the bucket is idle. Every draw comes from a generator seeded by
 * (organization, connection, series, day or bucket start): a pure function of absolute time.
 */
function generateBucket(conn: ConnectionSpec, s: Series, seriesHash: number, connectionHash: number, m: Moment, lengthMs: number): UsageBucket | undefined {
  // Day-level variation, shared by every hour of the day: busy and quiet days, and experiment days.
  const dayRand = seededRandom(hash32(`day|${m.localDay}`, seriesHash));
  const connectionDay = exp(0.12 * gaussian(seededRandom(hash32(`day|${m.localDay}`, connectionHash))));
  const seriesDay = exp(0.15 * gaussian(dayRand));
  if (s.dayProbability !== undefined && dayRand() >= s.dayProbability) return undefined;

  const shape = conn.daily ? 1 : HOURLY[s.profile](m.localHour);
  const mean = s.peak * shape * (m.isWeekend ? WEEKEND[s.profile] : 1) * m.seasonal * m.growth * shiftFactor(s, m.startMs) * connectionDay * seriesDay;

  const rand = seededRandom(hash32(`bucket|${m.startMs}`, seriesHash));
  const requests = poisson(rand, mean);
  if (requests === 0) return undefined; // providers report no row for an idle bucket

  const input = max(requests, round(requests * s.inputPerRequest * exp(0.25 * gaussian(rand))));
  const outputTokens = max(requests, round(requests * s.outputPerRequest * exp(0.3 * gaussian(rand))));
  const inputCacheRead = s.cacheRead ? round(input * clamp(s.cacheRead + 0.08 * gaussian(rand), 0, 0.92)) : 0;
  const inputCacheWrite = s.cacheWrite ? round((input - inputCacheRead) * clamp(s.cacheWrite * (0.5 + rand()), 0, 0.5)) : 0;
  const reasoningTokens = s.reasoning ? round(outputTokens * clamp(s.reasoning + 0.07 * gaussian(rand), 0.2, 0.95)) : 0;

  // What each provider's report can and cannot say (see the connectors): OpenRouter has no cache split;
  // OpenAI and Anthropic do not report reasoning apart (here they do for o3, whose rows carry it).
  let unreported: TokenClass[];
  if (conn.provider === 'openrouter') unreported = ['cache_read', 'cache_write'];
  else unreported = reasoningTokens > 0 ? [] : ['reasoning'];

  return {
    provider: conn.provider,
    model: s.model,
    bucketStart: new Date(m.startMs),
    bucketEnd: new Date(m.startMs + lengthMs),
    grouping: s.grouping,
    inputUncached: input - inputCacheRead - inputCacheWrite,
    inputCacheWrite,
    inputCacheRead,
    outputTokens,
    reasoningTokens,
    // Anthropic's usage report has no request count (contracts/usage.ts).
    requests: conn.provider === 'anthropic' ? null : requests,
    unreported,
    ...(conn.provider === 'openai' ? { formatVersion: '2026-07' } : {}),
  };
}

/** Every bucket of one connection over the year before `now`: hourly, or daily for completed days (OpenRouter). */
export function generateDemoBuckets(orgId: string, connectionKey: string, now: Date): UsageBucket[] {
  const conn = CONNECTIONS.find((c) => c.key === connectionKey);
  if (!conn) throw new Error(`no demo connection "${connectionKey}"`);
  const step = conn.daily ? DAY_MS : HOUR_MS;
  const end = floor(now.getTime() / step) * step;
  const start = end - YEAR_DAYS * DAY_MS;
  const connectionHash = hash32(`${orgId}|${conn.key}|`);
  const seriesHashes = conn.series.map((s) => hash32(`${s.model}|${s.grouping}|`, connectionHash));
  const out: UsageBucket[] = [];
  for (let t = start; t < end; t += step) {
    const moment = momentOf(t);
    conn.series.forEach((s, i) => {
      const bucket = generateBucket(conn, s, seriesHashes[i], connectionHash, moment, step);
      if (bucket) out.push(bucket);
    });
  }
  return out;
}

