import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The configured browser binary is not there (or not executable): PDFs are skipped, never retried forever. */
export class ChromiumMissingError extends Error {
  constructor(readonly chromiumPath: string) {
    super(`chromium not found at ${chromiumPath}`);
    this.name = 'ChromiumMissingError';
  }
}

export interface PdfRendererOptions {
  chromiumPath: string;
  /** Pages kept open and reused; renders beyond that wait for a free page. */
  pages: number;
  logger?: Logger;
  timeoutMs?: number;
}

// The machine may have no network: nothing in the browser may try to reach one. The receipt HTML is self-contained
// (inline CSS, SVG chart and QR code), so no request is ever needed. --no-sandbox: containers run as root and
// Chromium's sandbox needs user namespaces; the page runs with JavaScript off and only our own escaped template.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * One warm Chromium per process (launched on first use, relaunched if it dies) with a small pool of reused pages.
 * Launching costs hundreds of milliseconds; a warm page renders a receipt in tens.
 */
export class PdfRenderer {
  private browser?: Promise<Browser>;
  private userDataDir?: string;
  private readonly idle: Page[] = [];
  private readonly waiting: Array<(page: Page | undefined) => void> = [];
  private created = 0;
  private closed = false;

  constructor(private readonly options: PdfRendererOptions) {}

  /** Null when the browser can render; otherwise why not (the same text the activity records and the API returns). */
  unavailableReason(): string | null {
    return isExecutable(this.options.chromiumPath) ? null : new ChromiumMissingError(this.options.chromiumPath).message;
  }

  async renderPdf(html: string): Promise<Buffer> {
    return this.withPage(async (page) => {
      await page.setContent(html, { waitUntil: 'load', timeout: this.timeout });
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, timeout: this.timeout });
      return Buffer.from(pdf);
    });
  }

  /** A screenshot of the same HTML in the same browser, for checking the rendered page as an image. */
  async renderPng(html: string, viewport = { width: 794, height: 1123 }): Promise<Buffer> {
    return this.withPage(async (page) => {
      await page.setViewport(viewport);
      await page.setContent(html, { waitUntil: 'load', timeout: this.timeout });
      return Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(undefined);
    const browser = this.browser;
    this.browser = undefined;
    this.idle.length = 0;
    this.created = 0;
    if (browser) await browser.then((b) => b.close(), () => undefined).catch(() => undefined);
    if (this.userDataDir) fs.rmSync(this.userDataDir, { recursive: true, force: true });
    this.userDataDir = undefined;
  }

  private get timeout(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private launch(): Promise<Browser> {
    if (this.browser) return this.browser;
    const reason = this.unavailableReason();
    if (reason) return Promise.reject(new ChromiumMissingError(this.options.chromiumPath));
    this.userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-chromium-'));
    const launching = puppeteer.launch({
      executablePath: this.options.chromiumPath, headless: true, args: CHROMIUM_ARGS, userDataDir: this.userDataDir,
      timeout: this.timeout,
    }).then((browser) => {
      browser.once('disconnected', () => {
        if (this.browser === launching) this.forget('browser disconnected');
      });
      return browser;
    });
    launching.catch(() => { if (this.browser === launching) this.forget('launch failed'); });
    this.browser = launching;
    return launching;
  }

  private forget(why: string): void {
    this.options.logger?.warn({ why }, 'pdf renderer: dropping the browser; the next render launches another');
    this.browser = undefined;
    this.idle.length = 0;
    this.created = 0;
  }

  private async acquire(): Promise<Page> {
    if (this.closed) throw new Error('pdf renderer closed');
    const browser = await this.launch();
    const page = this.idle.pop();
    if (page && !page.isClosed()) return page;
    if (this.created < this.options.pages) {
      this.created += 1;
      try {
        const fresh = await browser.newPage();
        await fresh.setJavaScriptEnabled(false);
        return fresh;
      } catch (err) {
        this.created -= 1;
        throw err;
      }
    }
    const next = await new Promise<Page | undefined>((resolve) => this.waiting.push(resolve));
    if (!next) throw new Error('pdf renderer closed');
    return next;
  }

  private release(page: Page, healthy: boolean): void {
    if (!healthy || page.isClosed() || this.closed) {
      this.created = Math.max(0, this.created - 1);
      void page.close().catch(() => undefined);
      // A waiter gets a fresh page on its own: wake it with nothing and let it retry through acquire.
      const wake = this.waiting.shift();
      if (wake) void this.acquire().then(wake, () => wake(undefined));
      return;
    }
    const wake = this.waiting.shift();
    if (wake) wake(page);
    else this.idle.push(page);
  }

  private async withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    const page = await this.acquire();
    let healthy = false;
    try {
      const result = await fn(page);
      healthy = true;
      return result;
    } finally {
      this.release(page, healthy);
    }
  }
}
