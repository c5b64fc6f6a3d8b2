import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { ReceiptPayload } from '../../../contracts/receipts';
import { dailyChartSvg, type DailyCo2e } from './daily-chart';
import { qrSvg } from './qr-svg';

export interface ReceiptHtmlInput {
  payload: ReceiptPayload;
  /** Daily CO2e over the period (see ReceiptPdfService: read from the usage rollups, the payload has none). */
  daily: DailyCo2e[];
  /** The public verify page, with the receipt's code when known. */
  verifyUrl: string;
  methodologyUrl: string;
}

// templates/ sits at the repository root, and beside dist/ in the image (Dockerfile copies both).
const TEMPLATES = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../../templates' : '../../../templates');

let compiled: { template: ejs.TemplateFunction; css: string } | undefined;
function template(): { template: ejs.TemplateFunction; css: string } {
  compiled ??= {
    template: ejs.compile(fs.readFileSync(path.join(TEMPLATES, 'receipt.ejs'), 'utf8'), { filename: path.join(TEMPLATES, 'receipt.ejs') }),
    css: fs.readFileSync(path.join(TEMPLATES, 'receipt.css'), 'utf8'),
  };
  return compiled;
}

/** `1234567` → `1,234,567`; decimals keep every digit they were signed with. */
export function groupDigits(value: string): string {
  const [int, frac] = value.split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const grouped = int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

const day = (instant: string) => instant.slice(0, 10);
/** The period is [start, end): its last day is the one before `end`. */
const lastDay = (end: string) => new Date(Date.parse(end) - 1).toISOString().slice(0, 10);

export function verifyUrlFor(baseUrl: string, serial: string, code: string | null): string {
  const url = `${baseUrl.replace(/\/+$/, '')}/public/receipts/verify/${encodeURIComponent(serial)}`;
  return code ? `${url}?code=${encodeURIComponent(code)}` : url;
}

/** The receipt as one self-contained HTML document (inline CSS and SVG), ready for Chromium's print-to-PDF. */
export function renderReceiptHtml(input: ReceiptHtmlInput): string {
  const { template: render, css } = template();
  const p = input.payload;
  return render({
    css,
    p,
    g: groupDigits,
    periodFirstDay: day(p.period.start),
    periodLastDay: lastDay(p.period.end),
    hasShortfall: p.credits.shortfallTonnes !== '0',
    chart: dailyChartSvg(input.daily),
    dailySource: input.daily.length > 0 ? `${input.daily.length} day(s) of recorded usage` : 'no recorded usage',
    qr: qrSvg(input.verifyUrl),
    verifyUrl: input.verifyUrl,
    methodologyUrl: input.methodologyUrl,
  });
}
