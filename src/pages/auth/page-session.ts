import type { Request, Response } from 'express';
import { AppError } from '../../errors';
import type { AuthContext } from '../../http/middleware/authenticate';
import { toOrgRole } from '../../http/middleware/authorize';
import type { Services } from '../../services';
import type { ClerkPages } from './clerk-pages';
import { cookieOf } from './clerk-pages';
import { LOCAL_SESSION_COOKIE, type LocalSession, type LocalSignIn } from './local-sign-in';

/** Who is looking at a page: the same AuthContext the API builds, plus the session's CSRF token. */
export interface PageSession {
  auth: AuthContext;
  csrfToken: string;
  via: 'local' | 'clerk';
  local?: LocalSession;
}

export type SessionOutcome =
  | { kind: 'signed-in'; session: PageSession }
  | { kind: 'signed-out' }
  | { kind: 'no-organization' }
  | { kind: 'answered' };

export interface PageAuthDeps {
  services: Services;
  local?: LocalSignIn;
  clerk?: ClerkPages;
}

/**
 * The tenant of a page request, from the embedded defaults' session cookie or Clerk's `__session` cookie; never
 * from the URL or a form field. A cookie that does not verify is simply no session (the visitor signs in again).
 */
export async function resolvePageSession(deps: PageAuthDeps, req: Request, res: Response): Promise<SessionOutcome> {
  if (deps.local) {
    const local = deps.local.session(cookieOf(req, LOCAL_SESSION_COOKIE));
    const org = local ? await deps.services.organizations.getById(local.orgId).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
      throw err;
    }) : null;
    if (local && org) {
      // The person at the machine that started the stack owns the local organization.
      const auth: AuthContext = { orgId: org.id, org, caller: { type: 'user', id: 'local', role: 'org:admin' } };
      return { kind: 'signed-in', session: { auth, csrfToken: deps.local.csrfToken(local), via: 'local', local } };
    }
  }
  if (deps.clerk) {
    const clerk = await deps.clerk.authenticate(req, res);
    if (clerk.kind !== 'signed-in') return clerk;
    if (!clerk.orgId) return { kind: 'no-organization' };
    const org = await deps.services.organizations.resolve({ clerkOrgId: clerk.orgId, name: clerk.orgSlug ?? undefined });
    const auth: AuthContext = { orgId: org.id, org, caller: { type: 'user', id: clerk.userId, role: toOrgRole(clerk.orgRole) } };
    return { kind: 'signed-in', session: { auth, csrfToken: deps.clerk.csrfToken(clerk.sessionId), via: 'clerk' } };
  }
  return { kind: 'signed-out' };
}

/** The absolute URL of this request as the browser sees it (PUBLIC_BASE_URL when set), for Clerk's redirect_url. */
export function absoluteUrlOf(req: Request, publicBaseUrl: string | undefined): string {
  const base = publicBaseUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base}${req.originalUrl}`;
}

/** Where a visitor without a session goes: Clerk's hosted sign-in, else our /login page (which explains the link). */
export function signInLocation(deps: PageAuthDeps, req: Request, publicBaseUrl: string | undefined): string {
  if (deps.clerk) return deps.clerk.signInUrl(absoluteUrlOf(req, publicBaseUrl), req);
  return '/login';
}
