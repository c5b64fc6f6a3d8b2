import { authenticateRequest, createClerkClient } from '@clerk/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config';
import type { OrganizationEntity } from '../../db/entities';
import { AppError } from '../../errors';
import type { Services } from '../../services';
import { isApiKeyToken } from '../../services/api-key.service';
import { toOrgRole, type OrgRole } from './authorize';

export interface AuthContext {
  orgId: string;
  org: OrganizationEntity;
  /** A session carries its Clerk user id and organization role; an API key acts for the organization and has no role. */
  caller: { type: 'user'; id: string; role: OrgRole } | { type: 'api_key'; id: string; role: null };
}

declare module 'express-serve-static-core' {
  interface Request { auth?: AuthContext }
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * Resolves the tenant of an /api/v1 request from an organization API key or a Clerk session token.
 * Clerk is asked directly (authenticateRequest) rather than through clerkMiddleware/requireAuth so that
 * a bad token is always a 401 JSON answer, never a handshake redirect.
 */
export function authenticate(config: Config, services: Services): RequestHandler {
  const clerk = config.clerk
    ? createClerkClient({ secretKey: config.clerk.secretKey, publishableKey: config.clerk.publishableKey, jwtKey: config.clerk.jwtKey, telemetry: { disabled: true } })
    : undefined;
  const clerkOptions = config.clerk
    ? { jwtKey: config.clerk.jwtKey, secretKey: config.clerk.secretKey, publishableKey: config.clerk.publishableKey, authorizedParties: config.clerk.authorizedParties.length ? config.clerk.authorizedParties : undefined }
    : undefined;

  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) throw unauthenticated('missing credentials: send "Authorization: Bearer <session token or API key>"');

    if (isApiKeyToken(token)) {
      const found = await services.apiKeys.authenticate(token);
      if (found.status === 'expired') throw unauthenticated(`API key expired at ${found.expiresAt.toISOString()}: ask an organization admin for a new one`);
      if (found.status !== 'valid') throw unauthenticated('API key is invalid or revoked');
      req.auth = { orgId: found.org.id, org: found.org, caller: { type: 'api_key', id: found.key.id, role: null } };
      return next();
    }

    if (!clerk || !clerkOptions) throw unauthenticated('session tokens are not accepted by this server (Clerk is not configured); use an API key');
    const state = await authenticateRequest({ clerkClient: clerk, request: req, options: clerkOptions });
    if (state.status !== 'signed-in') {
      // Clerk's reason (expired, wrong azp, bad signature, key details) is for our log, not for whoever sent the token.
      const { reason, message } = state as { reason?: string | null; message?: string | null };
      req.log?.warn({ clerkReason: reason, clerkMessage: message }, 'session token rejected');
      throw unauthenticated('session token rejected: sign in again');
    }
    const auth = state.toAuth();
    if (!auth.orgId) throw new AppError('NO_ACTIVE_ORGANIZATION', 'the session has no active organization: select an organization in the dashboard and retry');
    const org = await services.organizations.resolve({ clerkOrgId: auth.orgId, name: auth.orgSlug ?? undefined });
    req.auth = { orgId: org.id, org, caller: { type: 'user', id: auth.userId, role: toOrgRole(auth.orgRole) } };
    next();
  };
}
