/** One day of the period: CO2e in kg as exact decimal strings (central, low, high). */
export interface DailyCo2e { day: string; low: string; central: string; high: string }

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? 10 * magnitude;
}

/**
 * Daily CO2e as an inline SVG bar chart: a bar per day at the central value with a whisker from low to high.
 * Numbers become floats only here, for drawing; every figure printed as text stays the exact decimal.
 */
export function dailyChartSvg(days: DailyCo2e[], { width = 680, height = 200 }: { width?: number; height?: number } = {}): string {
  const pad = { top: 12, right: 12, bottom: 28, left: 56 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const open = `<svg xmlns="http://www.w3.org/2000/svg" class="daily-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Daily CO2e (kg)">`;
  if (days.length === 0) {
    return `${open}<rect x="${pad.left}" y="${pad.top}" width="${innerW}" height="${innerH}" fill="#f4f6f5"/><text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#667">No daily usage recorded for this period</text></svg>`;
  }
  const top = niceCeiling(Math.max(...days.map((d) => Number(d.high))));
  const y = (v: number) => pad.top + innerH - (Math.max(0, v) / top) * innerH;
  const slot = innerW / days.length;
  const barW = Math.max(1, slot * 0.7);
  const parts: string[] = [open];
  for (let i = 0; i <= 4; i++) {
    const value = (top * i) / 4;
    const yy = y(value).toFixed(1);
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${yy}" y2="${yy}" stroke="#dde3e0" stroke-width="0.5"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${yy}" dy="3" text-anchor="end" font-size="9" fill="#556">${escapeXml(String(Number(value.toPrecision(3))))}</text>`);
  }
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((d, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const yc = y(Number(d.central));
    parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${yc.toFixed(1)}" width="${barW.toFixed(1)}" height="${(pad.top + innerH - yc).toFixed(1)}" fill="#1f7a4d"><title>${escapeXml(d.day)}: ${escapeXml(d.central)} kg</title></rect>`);
    const cx = (x + barW / 2).toFixed(1);
    parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(Number(d.low)).toFixed(1)}" y2="${y(Number(d.high)).toFixed(1)}" stroke="#0b3d26" stroke-width="1"/>`);
    if (i % labelEvery === 0) {
      parts.push(`<text x="${cx}" y="${height - pad.bottom + 14}" text-anchor="middle" font-size="9" fill="#556">${escapeXml(d.day.slice(5))}</text>`);
    }
  });
  parts.push(`<text x="12" y="${pad.top + innerH / 2}" font-size="9" fill="#556" transform="rotate(-90 12 ${pad.top + innerH / 2})" text-anchor="middle">kg CO2e</text>`);
  parts.push('</svg>');
  return parts.join('');
}
