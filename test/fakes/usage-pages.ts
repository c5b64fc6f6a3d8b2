/** Pieces shared by the OpenAI and Anthropic fakes: bucket widths, opaque cursors, grouping, paging. */

export const BUCKET_WIDTHS: Record<string, { ms: number; defaultLimit: number; maxLimit: number }> = {
  '1m': { ms: 60_000, defaultLimit: 60, maxLimit: 1440 },
  '1h': { ms: 3_600_000, defaultLimit: 24, maxLimit: 168 },
  '1d': { ms: 86_400_000, defaultLimit: 7, maxLimit: 31 },
};

/** Opaque to clients, like the real ones (`page_…`); only the fake decodes it. */
export function encodeCursor(offset: number): string {
  return `page_${Buffer.from(JSON.stringify({ o: offset })).toString('base64')}`;
}

export function decodeCursor(cursor: string): number | undefined {
  if (!cursor.startsWith('page_')) return undefined;
  try {
    const { o } = JSON.parse(Buffer.from(cursor.slice(5), 'base64').toString('utf8')) as { o?: unknown };
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How a provider lays buckets over [startMs, endMs), from its own documents:
 * - OpenAI: the first bucket starts at start_time itself when that is not aligned, and the last, still-open
 *   bucket is cut at end_time (or now): the cookbook's output ends `"end_time": 1739208663`, not on a boundary.
 * - Anthropic: starting_at is snapped down to the bucket boundary, and only "buckets that end before ending_at"
 *   are returned, so a partial last bucket is not returned at all.
 */
export interface BucketRule {
  snapStart: boolean;
  lastBucket: 'cut' | 'omit';
}

export const OPENAI_BUCKETS: BucketRule = { snapStart: false, lastBucket: 'cut' };
export const ANTHROPIC_BUCKETS: BucketRule = { snapStart: true, lastBucket: 'omit' };

export function bucketBounds(startMs: number, endMs: number, widthMs: number, rule: BucketRule): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = rule.snapStart ? Math.floor(startMs / widthMs) * widthMs : startMs;
  while (from < endMs) {
    const boundary = (Math.floor(from / widthMs) + 1) * widthMs;
    if (boundary > endMs && rule.lastBucket === 'omit') break;
    const to = Math.min(boundary, endMs);
    out.push([from, to]);
    from = to;
  }
  return out;
}

type Json = Record<string, unknown>;

function addInto(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'number' && typeof target[key] === 'number') target[key] = (target[key] as number) + value;
    else if (typeof value === 'number' && target[key] === undefined) target[key] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (!target[key] || typeof target[key] !== 'object') target[key] = {};
      addInto(target[key] as Json, value as Json);
    }
  }
}

/**
 * What the real APIs do with `group_by`: dimensions not grouped by come back null and rows that then share
 * every dimension are summed (numeric fields, nested objects included).
 */
export function aggregateRows(rows: Json[], dimensions: readonly string[], groupBy: readonly string[]): Json[] {
  const groups = new Map<string, Json>();
  for (const row of rows) {
    const dims: Json = {};
    for (const d of dimensions) dims[d] = groupBy.includes(d) ? (row[d] ?? null) : null;
    const key = JSON.stringify(dims);
    const existing = groups.get(key);
    if (existing) addInto(existing, row);
    else groups.set(key, { ...structuredClone(row), ...dims });
  }
  return [...groups.values()];
}

/** The first query parameter not in `allowed`, so fakes can reject typos (e.g. `group_by` without brackets). */
export function unknownParam(query: URLSearchParams, allowed: readonly string[]): string | undefined {
  return [...query.keys()].find((k) => !allowed.includes(k));
}

export interface PageOf<T> {
  items: T[];
  hasMore: boolean;
  nextPage: string | null;
}

export function pageOf<T>(all: T[], cursor: string | null, pageSize: number): PageOf<T> | undefined {
  const offset = cursor === null ? 0 : decodeCursor(cursor);
  if (offset === undefined) return undefined;
  const items = all.slice(offset, offset + pageSize);
  const hasMore = offset + pageSize < all.length;
  return { items, hasMore, nextPage: hasMore ? encodeCursor(offset + pageSize) : null };
}
