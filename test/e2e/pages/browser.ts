// Headless Chromium (the Debian browser, as for receipt PDFs) driving the dashboard like a person: every console
// error, page error, failed request and error status is recorded, so a test can insist there were none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import puppeteer, { type Browser, type HTTPResponse, type Page } from 'puppeteer-core';
import { isExecutable } from '../../../src/receipts/pdf/pdf-renderer';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots and timings of the last run; git-ignored. */
export const OUTPUT_DIR = path.resolve(__dirname, '../../../test-output/pages');

export const LAPTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true };

export interface PageTimer { path: string; serverMs: number; totalMs: number }

export interface DashboardBrowser {
  page: Page;
  /** Console errors, page errors, failed requests and 4xx/5xx answers since the last take(). */
  takeProblems(): string[];
  /** Opens `url` and returns the document's answer, with the server's own time (Server-Timing) recorded. */
  open(url: string): Promise<HTTPResponse>;
  timings: PageTimer[];
  close(): Promise<void>;
}

export async function launchDashboardBrowser(): Promise<DashboardBrowser> {
  if (!isExecutable(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install the Debian package (apt-get install chromium) or set CHROMIUM_PATH`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-dashboard-'));
  const browser: Browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  await page.setViewport(LAPTOP);
  const problems: string[] = [];
  const timings: PageTimer[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url ?? ''})`); });
  page.on('pageerror', (err) => { problems.push(`page error: ${String(err)}`); });
  page.on('requestfailed', (req) => { problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText ?? ''})`); });
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`); });
  return {
    page,
    timings,
    takeProblems: () => problems.splice(0),
    open: async (url) => {
      const started = performance.now();
      const res = await page.goto(url, { waitUntil: 'load' });
      if (!res) throw new Error(`no answer for ${url}`);
      const serverMs = Number(/app;dur=([\d.]+)/.exec(res.headers()['server-timing'] ?? '')?.[1] ?? NaN);
      timings.push({ path: new URL(res.url()).pathname + new URL(res.url()).search, serverMs, totalMs: Math.round(performance.now() - started) });
      return res;
    },
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** axe-core in the page (evaluated through DevTools, which the page's CSP does not govern): serious and critical findings. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    // Runs in the page (this project compiles without the DOM library, hence globalThis).
    const w = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } };
    const result = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}

/** Saves the page at laptop and phone width under OUTPUT_DIR; says whether the phone layout scrolls sideways. */
export async function screenshots(page: Page, name: string): Promise<{ laptop: string; phone: string; phoneOverflowPx: number }> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const laptop = path.join(OUTPUT_DIR, `${name}-laptop.png`);
  const phone = path.join(OUTPUT_DIR, `${name}-phone.png`);
  await page.setViewport(LAPTOP);
  await page.screenshot({ path: laptop as `${string}.png`, fullPage: true });
  await page.setViewport(PHONE);
  const phoneOverflowPx = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  await page.screenshot({ path: phone as `${string}.png`, fullPage: true });
  await page.setViewport(LAPTOP);
  return { laptop, phone, phoneOverflowPx };
}
