// The real app (API and dashboard pages) on a loopback port, for page tests over HTTP and in Chromium. The page
// routes answer HTML (errors included), so this app runs without the API's response-contract check.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Config } from '../../../src/config';
import { findFreePort } from '../../../src/dev/processes';
import { createApp } from '../../../src/http/app';
import { buildAppDeps } from '../../../src/http/build-deps';
import type { AppDeps } from '../../../src/http/deps';
import { createLogger } from '../../../src/logger';
import { mintSignInToken } from '../../../src/pages/auth/local-sign-in';
import type { ClerkTestKeys } from '../../helpers/clerk';
import { testConfig } from '../../helpers/env';

export interface PagesServer {
  url: string;
  config: Config;
  deps: AppDeps;
  /** The one-time link the launcher would print for `orgId` (minted `ageMs` ago). */
  signInLink(orgId: string, ageMs?: number): string;
  logs(): string;
  close(): Promise<void>;
}

export async function startPagesServer(options: { env?: Record<string, string | undefined>; clerk?: ClerkTestKeys; localSignIn?: boolean } = {}): Promise<PagesServer> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const key = randomBytes(32);
  const receiptsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-pages-receipts-'));
  const config = testConfig({
    PORT: String(port), API_HOST: '127.0.0.1', PUBLIC_BASE_URL: url, RECEIPT_LOCAL_DIR: receiptsDir,
    ...(options.localSignIn === false ? {} : { LOCAL_SIGN_IN_KEY: key.toString('base64') }),
    ...options.env,
  }, options.clerk);
  let captured = '';
  const sink = new Writable({ write(chunk, _enc, done) { captured += chunk.toString(); done(); } });
  const built = await buildAppDeps(config, { logger: createLogger({ level: 'debug', name: 'api', destination: sink }) });
  const app = createApp(built.deps);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  return {
    url, config, deps: built.deps, logs: () => captured,
    signInLink: (orgId, ageMs = 0) => `${url}/login?token=${mintSignInToken(key, orgId, new Date(Date.now() - ageMs))}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => { server.close(resolve); });
      await built.close();
      fs.rmSync(receiptsDir, { recursive: true, force: true });
    },
  };
}

/** The cookie pair (`name=value`) a response sets, from its Set-Cookie headers. */
export function cookiePair(res: Response, name: string): string | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** A fetch that does not follow redirects, so tests see the 302/303 and its cookies. */
export const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers });

export function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/** The CSRF token a page's forms carry. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF field in the page:\n${html.slice(0, 500)}`);
  return match[1];
}

/** The visible text of a page, tags removed and spaces collapsed. */
export const textOf = (html: string) => html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
