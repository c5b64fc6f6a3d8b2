import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import type { Counter } from 'prom-client';
import { AppError } from '../../errors';
import { sendError } from './error-handler';

export interface LimiterOptions {
  name: string;
  perMinute: number;
  key: (req: Request) => string;
  /** A shared store (e.g. Redis) for several API instances; the default memory store is per process. */
  store?: Store;
  /**
   * Count only requests that end without an authenticated caller. The limiter still runs before
   * authentication, so an address over its budget is refused before any token is looked at; an authenticated
   * request is counted while it runs and given back when it ends.
   */
  isUnauthenticatedOnly?: boolean;
  /** Incremented with the limiter's name on every 429. */
  rejections?: Counter<'limiter'>;
}

/** Fixed one-minute window, draft-8 `RateLimit` headers, `Retry-After` and our error body on 429. */
export function createLimiter(options: LimiterOptions): RequestHandler {
  const store = options.store ?? new MemoryStore();
  const requestPropertyName = `rateLimit_${options.name}`;
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    identifier: options.name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: options.key,
    store,
    requestPropertyName,
    // With a shared store: an unreachable Redis lets requests through rather than failing them (see rate-limit-stores.ts).
    passOnStoreError: true,
    handler: (req, res) => {
      options.rejections?.inc({ limiter: options.name });
      sendError(req, res, new AppError('RATE_LIMITED', `rate limit of ${options.perMinute} requests per minute exceeded; retry after the time in the Retry-After header`));
    },
  });
  if (!options.isUnauthenticatedOnly) return limiter;
  // Given back on 'close' rather than through skipSuccessfulRequests, which waits for 'finish': an authenticated
  // download the client abandons would otherwise stay counted against its address.
  return (req: Request, res: Response, next: NextFunction) => limiter(req, res, (err?: unknown) => {
    const info = (req as unknown as Record<string, RateLimitInfo | undefined>)[requestPropertyName];
    if (!err && info) res.once('close', () => { if (req.auth) Promise.resolve(store.decrement(info.key)).catch(() => undefined); });
    next(err);
  });
}

export const byOrganization = (req: Request) => `org:${req.auth?.orgId ?? 'anonymous'}`;
export const byClientIp = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
