import { formatDay, unitFor } from './format';

const TICK = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** One day of the chart: CO2e in grams as exact decimal strings. */
export interface ChartDay { day: string; central: string; low: string; high: string }

const WIDTH = 800;
const HEIGHT = 240;
const PAD = { top: 14, right: 14, bottom: 30, left: 58 };
const MASS_UNITS = [{ symbol: 'g', factor: 1 }, { symbol: 'kg', factor: 1e3 }, { symbol: 't', factor: 1e6 }];

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((v) => v >= max * 1.0001) ?? 10 * magnitude;
}

/**
 * CO2e per day as an SVG drawn on the server: the low–high band as a filled area, the central estimate as a line.
 * No script and no style attribute (the page's CSP allows neither inline); colours come from the stylesheet
 * through classes. Figures become floats only for drawing.
 */
export function dailyCo2eChart(days: ChartDay[], caption: string): string {
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const unit = unitFor(Math.max(0, ...days.map((d) => Number(d.high))), MASS_UNITS);
  const values = days.map((d) => ({ day: d.day, c: Number(d.central) / unit.factor, l: Number(d.low) / unit.factor, h: Number(d.high) / unit.factor }));
  const top = niceCeiling(Math.max(0, ...values.map((v) => v.h)));
  const x = (i: number) => PAD.left + (values.length <= 1 ? innerW / 2 : (i / (values.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (Math.max(0, v) / top) * innerH;
  const pt = (i: number, v: number) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(caption)}</title>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const value = (top * i) / 4;
    const yy = y(value).toFixed(1);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 8}" y="${yy}" dy="4" text-anchor="end">${escapeXml(TICK.format(Number(value.toPrecision(3))))}</text>`);
  }
  parts.push(`<text class="tick" x="14" y="${PAD.top + innerH / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + innerH / 2})">${unit.symbol} CO2e per day</text>`);
  if (values.length > 0) {
    const band = [...values.map((v, i) => pt(i, v.h)), ...values.map((v, i) => pt(i, v.l)).reverse()].join(' ');
    parts.push(`<polygon class="band" points="${band}"/>`);
    parts.push(`<polyline class="central" points="${values.map((v, i) => pt(i, v.c)).join(' ')}"/>`);
    const every = Math.max(1, Math.ceil(values.length / 6));
    values.forEach((v, i) => {
      if (i % every !== 0 && i !== values.length - 1) return;
      if (i !== values.length - 1 && values.length - 1 - i < every / 2) return; // keep the last label clear of this one
      const label = formatDay(v.day).replace(/ \d{4}$/, '');
      const anchor = i === values.length - 1 && values.length > 1 ? 'end' : i === 0 && values.length > 1 ? 'start' : 'middle';
      parts.push(`<text class="tick" x="${x(i).toFixed(1)}" y="${HEIGHT - 10}" text-anchor="${anchor}">${escapeXml(label)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('');
}
