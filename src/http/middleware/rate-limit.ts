import type { Request } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Counter } from 'prom-client';
import { AppError } from '../../errors';
import { sendError } from './error-handler';

export interface LimiterOptions {
  name: string;
  perMinute: number;
  key: (req: Request) => string;
  /** A shared store (e.g. Redis) for several API instances; the default memory store is per process. */
  store?: Store;
  /** Incremented with the limiter's name on every 429. */
  rejections?: Counter<'limiter'>;
}

/** Fixed one-minute window, draft-8 `RateLimit` headers, `Retry-After` and our error body on 429. */
export function createLimiter(options: LimiterOptions) {
  return rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    identifier: options.name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: options.key,
    store: options.store,
    // With a shared store: an unreachable Redis lets requests through rather than failing them (see rate-limit-stores.ts).
    passOnStoreError: true,
    handler: (req, res) => {
      options.rejections?.inc({ limiter: options.name });
      sendError(req, res, new AppError('RATE_LIMITED', `rate limit of ${options.perMinute} requests per minute exceeded; retry after the time in the Retry-After header`));
    },
  });
}

export const byOrganization = (req: Request) => `org:${req.auth?.orgId ?? 'anonymous'}`;
export const byClientIp = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
