// bench/pdf: receipt PDF render time with one warm browser (the worker's setup), beside a cold-browser baseline
// (launch, render, close per receipt) measured in the same run. Each receipt: HTML from a valid payload with a
// 30-day chart, Chromium print-to-PDF, written to local storage. No database: the activity adds one row read,
// one rollup query and one update per receipt.
// Usage: npm run bench:pdf [-- --receipts 200 --cold 10 --pages 2 --chromium /usr/bin/chromium]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReceiptPayload } from '../contracts/receipts';
import { PdfRenderer } from '../src/receipts/pdf/pdf-renderer';
import { renderReceiptHtml, verifyUrlFor } from '../src/receipts/pdf/receipt-html';
import { LocalReceiptStorage, receiptPdfKey } from '../src/receipts/pdf/receipt-storage';
import { generateReceiptSerial } from '../src/receipts/serial';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RECEIPTS = Number(arg('receipts', '200'));
const COLD = Number(arg('cold', String(Math.max(3, Math.min(10, Math.ceil(RECEIPTS / 20))))));
const PAGES = Number(arg('pages', '2'));
const CHROMIUM = arg('chromium', '/usr/bin/chromium');
const ORG = '2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f';

const bounds = (c: number) => ({ low: String(+(c * 0.55).toFixed(6)), central: String(+c.toFixed(6)), high: String(+(c * 1.85).toFixed(6)) });
function receipt(i: number): { html: string; serial: string } {
  const serial = generateReceiptSerial(new Date('2026-11-01T00:00:00Z'));
  const tokens = { inputUncached: String(1e8 + i), inputCacheWrite: '5000000', inputCacheRead: '80000000', output: '30000000', reasoning: '4000000' };
  const model = (provider: string, name: string, c: number) => ({ provider, model: name, factorVersion: '1.0', tokens, energyKwh: bounds(c * 3), co2eKg: bounds(c) });
  const payload = ReceiptPayload.parse({
    version: 1, serial, kind: 'period', adjusts: null, organization: { id: ORG, name: `Bench org ${i}` },
    period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    totals: { tokens, energyKwh: bounds(15), co2eKg: bounds(5) },
    models: [model('anthropic', 'claude-sonnet-4', 2), model('openai', 'gpt-5', 3)],
    factorVersions: ['1.0'],
    credits: { requiredTonnes: '0.00925', retirements: [{ registry: 'Verra', project: 'VCS-1234', vintage: 2021, serialStart: '1234-0001', serialEnd: '1234-0001', tonnes: '0.00925', retiredOn: '2026-10-15', retirementReference: 'VCS-RET-1' }], shortfallTonnes: '0' },
    snapshot: { format: 'event-revisions-jcs-sha256', events: '1200', sha256: 'a'.repeat(64) },
    issuedAt: '2026-12-03T00:00:05.123Z', keyId: 'x'.repeat(43),
  });
  const daily = Array.from({ length: 30 }, (_, d) => ({ day: `2026-11-${String(d + 1).padStart(2, '0')}`, ...bounds(0.1 + ((d * 7 + i) % 11) / 50) }));
  return { serial, html: renderReceiptHtml({ payload, daily, verifyUrl: verifyUrlFor('https://api.carbonplan.example', serial, 'BENCHCODE'), methodologyUrl: 'https://api.carbonplan.example/methodology' }) };
}

const pct = (samples: number[], p: number) => { const s = [...samples].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (ns: bigint) => Number(ns) / 1e6;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-bench-pdf-'));
  const storage = new LocalReceiptStorage(dir);
  const once = async (renderer: PdfRenderer, i: number) => {
    const r = receipt(i);
    await storage.put(receiptPdfKey(ORG, r.serial), await renderer.renderPdf(r.html));
  };
  try {
    console.log(`bench:pdf  receipts=${RECEIPTS}  cold baseline=${COLD}  pages=${PAGES}  cores=${os.cpus().length}  chromium=${CHROMIUM}`);
    const cold: number[] = [];
    for (let i = 0; i < COLD; i++) {
      const t = process.hrtime.bigint();
      const renderer = new PdfRenderer({ chromiumPath: CHROMIUM, pages: 1 });
      await once(renderer, i);
      await renderer.close();
      cold.push(ms(process.hrtime.bigint() - t));
    }
    const warm = new PdfRenderer({ chromiumPath: CHROMIUM, pages: PAGES });
    const launched = process.hrtime.bigint();
    await once(warm, -1); // launch and first page: the worker pays this once
    const firstMs = ms(process.hrtime.bigint() - launched);
    const samples: number[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < RECEIPTS; i++) {
      const t = process.hrtime.bigint();
      await once(warm, i);
      samples.push(ms(process.hrtime.bigint() - t));
    }
    const totalMs = ms(process.hrtime.bigint() - started);
    await warm.close();
    const bytes = fs.readdirSync(path.join(dir, 'receipts', ORG)).map((f) => fs.statSync(path.join(dir, 'receipts', ORG, f)).size);
    const warmP50 = pct(samples, 0.5);
    const coldP50 = pct(cold, 0.5);
    console.log(`cold (launch+render+close) p50 ${coldP50.toFixed(0)} ms  p95 ${pct(cold, 0.95).toFixed(0)} ms  (n=${COLD})`);
    console.log(`warm first render (incl. launch) ${firstMs.toFixed(0)} ms`);
    console.log(`warm p50 ${warmP50.toFixed(1)} ms  p95 ${pct(samples, 0.95).toFixed(1)} ms  max ${Math.max(...samples).toFixed(1)} ms  (n=${RECEIPTS}, sequential)`);
    console.log(`total for ${RECEIPTS}: ${(totalMs / 1000).toFixed(1)} s  (1,000 at this rate: ${(totalMs / RECEIPTS).toFixed(0)} s)`);
    console.log(`cold/warm p50 ratio: ${(coldP50 / warmP50).toFixed(1)}x   PDF size p50 ${(pct(bytes, 0.5) / 1024).toFixed(0)} KiB`);
    console.log(`targets: warm p50 < 250 ms ${warmP50 < 250 ? 'MET' : 'MISSED'}; 1,000 under 5 min ${(totalMs / RECEIPTS) * 1000 < 300_000 ? 'MET' : 'MISSED'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
