import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { PageSession } from './auth/page-session';

/** The hidden form field every POST form of the pages carries. */
export const CSRF_FIELD = '_csrf';

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * A form post is ours when it carries the session's CSRF token (an HMAC only this server can compute, bound to the
 * session) and, where the browser says where it came from, it came from this site. The session cookie is also
 * SameSite=Strict (embedded defaults); this check does not rely on that.
 */
export function isOwnFormPost(req: Request, session: PageSession, publicBaseUrl: string | undefined): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  const given = typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : '';
  if (!given || !sameText(given, session.csrfToken)) return false;
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  if (origin !== undefined) {
    const own = [`${req.protocol}://${req.get('host') ?? ''}`, publicBaseUrl ? new URL(publicBaseUrl).origin : undefined];
    if (!own.includes(origin)) return false;
  }
  return true;
}
