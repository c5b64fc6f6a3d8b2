import { createHmac } from 'node:crypto';
import { authenticateRequest, createClerkClient } from '@clerk/express';
import type { Request, Response } from 'express';
import type { Config } from '../../config';

/** clerk-js is served by the instance's own Frontend API; this major matches the @clerk/express 2 line. */
const CLERK_JS_MAJOR = '6';
const DEV_BROWSER = '__clerk_db_jwt';

/** The Frontend API host a publishable key names: `pk_test_` + base64("<host>$"). */
export function frontendApiOf(publishableKey: string): string {
  const encoded = publishableKey.replace(/^pk_(test|live)_/, '');
  return Buffer.from(encoded, 'base64').toString('utf8').replace(/\$$/, '');
}

/** The Account Portal's sign-in page of an instance, as Clerk derives it (clerk.x → accounts.x). */
export const accountPortalSignIn = (frontendApi: string) => `https://${frontendApi.replace(/clerk\.accounts\.|clerk\./, 'accounts.')}/sign-in`;

export type ClerkPageAuth =
  | { kind: 'signed-in'; userId: string; sessionId: string; orgId: string | null; orgSlug: string | null; orgRole: string | null }
  | { kind: 'signed-out' }
  /** Clerk answered already (the handshake redirect): nothing more to send. */
  | { kind: 'answered' };

/**
 * Dashboard sign-in with Clerk, as its documentation intends for server-rendered pages: clerk-js (from the
 * instance's Frontend API) keeps the short-lived `__session` cookie fresh in the browser; the server verifies it
 * networklessly with the instance's JWT key and lets `authenticateRequest` decide when a handshake redirect to
 * the Frontend API is needed (an expired cookie on a document request) and complete it on the way back.
 */
export class ClerkPages {
  readonly frontendApi: string;
  readonly scriptUrl: string;
  private readonly signInBase: string;
  private readonly client: ReturnType<typeof createClerkClient>;

  constructor(private readonly clerk: NonNullable<Config['clerk']>, signInUrl: string | undefined) {
    this.frontendApi = frontendApiOf(clerk.publishableKey);
    this.scriptUrl = `https://${this.frontendApi}/npm/@clerk/clerk-js@${CLERK_JS_MAJOR}/dist/clerk.browser.js`;
    this.signInBase = signInUrl ?? accountPortalSignIn(this.frontendApi);
    this.client = createClerkClient({ secretKey: clerk.secretKey, publishableKey: clerk.publishableKey, jwtKey: clerk.jwtKey, telemetry: { disabled: true } });
  }

  get publishableKey(): string { return this.clerk.publishableKey; }
  /** Where the hosted sign-in lives (a form post may be redirected there: the CSP's form-action names it). */
  get signInOrigin(): string { return new URL(this.signInBase).origin; }
  /** Origins the page's CSP must allow for clerk-js: its script and its calls go to the Frontend API. */
  get origin(): string { return `https://${this.frontendApi}`; }

  async authenticate(req: Request, res: Response): Promise<ClerkPageAuth> {
    const state = await authenticateRequest({
      clerkClient: this.client,
      request: req,
      options: {
        jwtKey: this.clerk.jwtKey, secretKey: this.clerk.secretKey, publishableKey: this.clerk.publishableKey, signInUrl: this.signInBase,
        authorizedParties: this.clerk.authorizedParties.length ? this.clerk.authorizedParties : undefined,
      },
    });
    // Cookies Clerk sets (after a handshake) and its redirect travel on our answer.
    state.headers?.forEach((value, name) => { res.appendHeader(name, value); });
    if (state.status === 'handshake') {
      if (!state.headers?.get('location')) throw new Error('Clerk asked for a handshake without a redirect');
      res.status(307).end();
      return { kind: 'answered' };
    }
    if (state.status !== 'signed-in') {
      const { reason } = state as { reason?: string | null };
      if (reason && req.headers.cookie?.includes('__session')) req.log?.info({ clerkReason: reason }, 'dashboard session cookie not accepted');
      return { kind: 'signed-out' };
    }
    const auth = state.toAuth();
    return { kind: 'signed-in', userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId ?? null, orgSlug: auth.orgSlug ?? null, orgRole: auth.orgRole ?? null };
  }

  /** Clerk's hosted sign-in, coming back to `returnTo`; a development instance also carries its dev-browser token. */
  signInUrl(returnTo: string, req: Request): string {
    const url = new URL(this.signInBase);
    url.searchParams.set('redirect_url', returnTo);
    const devBrowser = this.clerk.publishableKey.startsWith('pk_test_') ? cookieOf(req, DEV_BROWSER) : undefined;
    if (devBrowser) url.searchParams.set(DEV_BROWSER, devBrowser);
    return url.toString();
  }

  /** The CSRF token of a Clerk session: keyed by our secret key, bound to the session id (stable while it lives). */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.clerk.secretKey).update(`carbonplan csrf v1\nclerk\n${sessionId}`).digest('base64url');
  }
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try { return decodeURIComponent(part.slice(eq + 1).trim()); } catch { return undefined; }
    }
  }
  return undefined;
}
