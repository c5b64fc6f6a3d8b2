/** One Prometheus text scrape: every sample line as `name{labels}` → value (histogram buckets included). */
export type Scrape = Map<string, number>;

export async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(url)).text();
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** after − before for every series (a series new in `after` counts from 0). */
export function delta(before: Scrape, after: Scrape): Scrape {
  const out: Scrape = new Map();
  for (const [series, value] of after) out.set(series, value - (before.get(series) ?? 0));
  return out;
}

const labelsOf = (series: string): Record<string, string> => {
  const open = series.indexOf('{');
  if (open < 0) return {};
  const labels: Record<string, string> = {};
  for (const m of series.slice(open + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
};

/** Sum of a metric's series whose labels include every given label. */
export function sumOf(s: Scrape, name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of s) {
    const seriesName = series.includes('{') ? series.slice(0, series.indexOf('{')) : series;
    if (seriesName !== name) continue;
    const labels = labelsOf(series);
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) total += value;
  }
  return total;
}

/** A metric's values grouped by one label, e.g. Temporal's `action` counter by `action_type`. */
export function byLabel(s: Scrape, name: string, label: string, where: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, value] of s) {
    if (!series.startsWith(`${name}{`) || value === 0) continue;
    const labels = labelsOf(series);
    if (!Object.entries(where).every(([k, v]) => labels[k] === v)) continue;
    out[labels[label] ?? ''] = (out[labels[label] ?? ''] ?? 0) + value;
  }
  return out;
}
