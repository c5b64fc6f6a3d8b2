import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { Response } from 'express';
import type { ClerkPages } from './auth/clerk-pages';
import type { PageSession } from './auth/page-session';

// templates/ sits at the repository root, and beside dist/ in the image (the Dockerfile copies both).
export const PAGE_TEMPLATES = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../templates/pages' : '../../templates/pages');
export const PAGE_ASSETS = path.join(PAGE_TEMPLATES, 'assets');

export type NavKey = 'overview' | 'models' | 'connections' | 'receipts' | 'billing';
const NAV: Array<{ key: NavKey; label: string; href: string }> = [
  { key: 'overview', label: 'Overview', href: '/' },
  { key: 'models', label: 'Models', href: '/models' },
  { key: 'connections', label: 'Connections', href: '/connections' },
  { key: 'receipts', label: 'Receipts', href: '/receipts' },
  { key: 'billing', label: 'Billing', href: '/billing' },
];

export interface Notice { tone: 'info' | 'ok' | 'warn' | 'error'; text: string }

export interface PageInput {
  status?: number;
  template: 'overview' | 'models' | 'connections' | 'receipts' | 'billing' | 'message';
  title: string;
  /** The h1; the title when omitted. */
  heading?: string;
  active?: NavKey;
  session?: PageSession;
  notices?: Notice[];
  view: object;
}

const compiled = new Map<string, ejs.TemplateFunction>();
function template(name: string): ejs.TemplateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    const file = path.join(PAGE_TEMPLATES, `${name}.ejs`);
    // Includes are resolved from the file, and compiled once with it.
    fn = ejs.compile(fs.readFileSync(file, 'utf8'), { filename: file, cache: false });
    compiled.set(name, fn);
  }
  return fn;
}

/**
 * The page's Content-Security-Policy: our own scripts and styles only (never inline script), and with Clerk its
 * Frontend API by name, for clerk-js and the calls it makes (clerk-js also injects styles and may use a worker).
 * Forms post to us; our answer may redirect them on to Stripe or to Clerk's sign-in.
 */
export function pageCsp(clerk?: ClerkPages, signInOrigin?: string): string {
  const fapi = clerk ? ` ${clerk.origin}` : '';
  return [
    "default-src 'none'",
    `script-src 'self'${fapi}`,
    `style-src 'self'${clerk ? " 'unsafe-inline'" : ''}`,
    `img-src 'self' data:${clerk ? ' https://img.clerk.com' : ''}`,
    `connect-src 'self'${fapi}`,
    ...(clerk ? ["worker-src 'self' blob:"] : []),
    `form-action 'self' https://checkout.stripe.com https://billing.stripe.com${signInOrigin ? ` ${signInOrigin}` : ''}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface Renderer {
  clerk?: ClerkPages;
  signInOrigin?: string;
}

/** Milliseconds since the pages router first saw this request (set by markStart). */
export function serverMs(res: Response): number {
  const started = res.locals.pageStartedAt as number | undefined;
  return started === undefined ? 0 : Math.round((performance.now() - started) * 10) / 10;
}

export function markStart(res: Response): void {
  res.locals.pageStartedAt ??= performance.now();
}

/** Headers every page answer carries: tenant data is never cached, and the policy above applies. */
export function setPageHeaders(res: Response, r: Renderer): void {
  res.set({
    'Content-Security-Policy': pageCsp(r.clerk, r.signInOrigin),
    'Cache-Control': 'private, no-store',
    'Referrer-Policy': 'same-origin',
    Vary: 'Cookie',
  });
}

/** Renders a page into the response, with the time it took in Server-Timing (and, for people, in the footer). */
export function sendPage(res: Response, r: Renderer, input: PageInput): void {
  const session = input.session;
  const layout = {
    title: input.title,
    heading: input.heading ?? input.title,
    nav: NAV.map((item) => ({ ...item, isCurrent: item.key === input.active })),
    session: session ? { orgName: session.auth.org.name, plan: session.auth.org.plan, csrfToken: session.csrfToken } : null,
    clerk: session && r.clerk ? { publishableKey: r.clerk.publishableKey, scriptUrl: r.clerk.scriptUrl } : null,
    notices: input.notices ?? [],
    asset: (name: string) => `/assets/${name}`,
    serverMs: undefined as number | undefined,
  };
  // Measured before the footer is written; rendering itself takes well under a millisecond.
  layout.serverMs = serverMs(res);
  const html = template(input.template)({ layout, view: input.view });
  setPageHeaders(res, r);
  res.set('Server-Timing', `app;dur=${serverMs(res)}`);
  res.status(input.status ?? 200).type('html').send(html);
}
