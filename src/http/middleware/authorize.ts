import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../../errors';
import type { AuthContext } from './authenticate';

/** The two organization roles we honour, in Clerk's spelling (ARCHITECTURE §8). */
export type OrgRole = 'org:admin' | 'org:member';

/**
 * Who may call an organization route, declared once per route in its defineRoute:
 * - `member`: any member of the organization and its API keys (reads, estimates, asking for a sync);
 * - `admin`: `org:admin` sessions and API keys (a key acts for the organization);
 * - `admin-session`: `org:admin` sessions only. API keys are refused so that a leaked key cannot mint its own
 *   replacement or revoke the keys its owners would rotate to, nor start a subscription or open the billing portal.
 */
export type RouteAccess = 'member' | 'admin' | 'admin-session';

export const ACCESS_DESCRIPTIONS: Record<RouteAccess, string> = {
  member: 'any organization member (org:member or org:admin) or an organization API key',
  admin: 'an org:admin session or an organization API key',
  'admin-session': 'an org:admin session; API keys are refused',
};

/**
 * The Clerk SDK already reads both token versions into `orgRole` with the `org:` prefix: v2's `o.rol` ("admin")
 * becomes "org:admin", v1's `org_role` is "org:admin" as issued. Anything but admin, including custom roles and a
 * missing role, gets the least we grant a signed-in member.
 */
export const toOrgRole = (clerkOrgRole: string | null | undefined): OrgRole => (clerkOrgRole === 'org:admin' ? 'org:admin' : 'org:member');

const forbidden = (message: string) => new AppError('FORBIDDEN', message);

/** Throws FORBIDDEN, naming the role needed, unless the caller may use a route declared with `access`. */
export function authorize(access: RouteAccess, auth: AuthContext): void {
  if (access === 'member') return;
  const { caller } = auth;
  if (caller.type === 'api_key') {
    if (access === 'admin') return;
    throw forbidden('API keys cannot manage API keys or billing: this requires the org:admin role in a signed-in session');
  }
  if (caller.role !== 'org:admin') throw forbidden(`this action requires the org:admin role; your role is ${caller.role}`);
}

/** Runs before the route's own handler on the same path, so a forbidden caller never reaches parsing or the service. */
export function requireAccess(path: string, access: RouteAccess | undefined): RequestHandler {
  if (!access) throw new Error(`route ${path}: an organization route must declare its access`);
  return (req: Request, _res: Response, next: NextFunction) => {
    authorize(access, req.auth!);
    next();
  };
}
