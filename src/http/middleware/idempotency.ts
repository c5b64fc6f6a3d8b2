import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { IdempotencyKey } from '../../../contracts/idempotency';
import { AppError } from '../../errors';
import { IdempotencyStore, type IdempotencyPolicy, type IdempotencyScope } from '../../services/idempotency/idempotency-store';
import type { AppDeps } from '../deps';
import type { RouteSpec } from '../route';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** What a replay repeats besides status and body; rate-limit and request-id headers describe the retry itself. */
const REPLAYED_HEADERS = ['content-type', 'location'];
/** Expired rows are deleted by a query piggybacked on a POST at most this often per process (no timer to stop). */
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/** POST organization routes take an Idempotency-Key; the key is scoped by the caller's organization. */
export const takesIdempotencyKey = (route: RouteSpec): boolean => route.method === 'post' && route.auth === 'organization';

const invalidHeader = (message: string) => new AppError('VALIDATION_FAILED', `${IDEMPOTENCY_HEADER} header: ${message}`, { field: `headers.${IDEMPOTENCY_HEADER}` });

/** The key, or undefined when absent. The draft's sf-string (`"abc"`) and Stripe's bare `abc` are the same key. */
export function parseIdempotencyKey(req: Request): string | undefined {
  const values = req.headersDistinct[IDEMPOTENCY_HEADER.toLowerCase()];
  if (!values) return undefined;
  if (values.length > 1) throw invalidHeader('send it once');
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(values[0]);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : values[0];
  const parsed = IdempotencyKey.safeParse(key);
  if (!parsed.success) throw invalidHeader(parsed.error.issues[0].message);
  return parsed.data;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 of method, path and canonical body: key order and whitespace do not make a request different. */
export const requestFingerprint = (method: string, path: string, body: unknown): Buffer =>
  createHash('sha256').update(`${method}\0${path}\0${canonicalJson(body)}`).digest();

let lastCleanupAt = 0;

/**
 * Runs before the route's handler (after authentication and the role check): replays a completed request, refuses a
 * reused or running key, or claims the key and stores the response the handler sends. 5xx answers are released,
 * never stored, so a retry after one runs again. The response is stored before it is written, so a client that sees
 * it and retries at once gets the replay, never a 409.
 */
export function idempotentWrites(deps: AppDeps, route: string, policy?: IdempotencyPolicy): RequestHandler {
  const store = new IdempotencyStore(deps.dataSource, policy);
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = parseIdempotencyKey(req);
    if (key === undefined) return next();
    const scope: IdempotencyScope = { orgId: req.auth!.orgId, method: req.method, route, key };
    const claim = await store.claim(scope, requestFingerprint(req.method, req.path, req.body));
    cleanUpNowAndThen(store, req);

    if (claim.outcome === 'reused') throw new AppError('IDEMPOTENCY_KEY_REUSED', `this ${IDEMPOTENCY_HEADER} was already used with a different request; use a new key for a new request`);
    if (claim.outcome === 'running') {
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', `a request with this ${IDEMPOTENCY_HEADER} is still running; retry shortly to get its response`, { headers: { 'Retry-After': '1' } });
    }
    if (claim.outcome === 'completed') {
      const { status, headers, body } = claim.response;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(status).send(body);
      return;
    }

    const { claimId } = claim;
    captureResponse(res, async (status, body) => {
      try {
        if (status >= 500) await store.release(scope, claimId);
        else await store.complete(scope, claimId, { status, headers: replayedHeadersOf(res), body });
      } catch (err) {
        // The answer still goes out; the claim stays until it is taken over after the claim timeout.
        req.log?.error({ err }, 'could not store the idempotent response');
      }
    }, () => { void store.release(scope, claimId).catch((err: unknown) => req.log?.error({ err }, 'could not release an idempotency claim')); });
    next();
  };
}

function replayedHeadersOf(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * Holds back the first `res.send` (every JSON answer, the error handler's included, goes through it) until `settle`
 * has stored or released the claim. A response ended without `send` (a stream) is not replayable: its claim is released.
 */
function captureResponse(res: Response, settle: (status: number, body: Buffer) => Promise<void>, onUncaptured: () => void): void {
  const send = res.send.bind(res);
  let isCaptured = false;
  res.send = ((body?: unknown) => {
    // Objects go through res.json, which calls res.send again with the serialized text.
    if (isCaptured || (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body))) return send(body);
    isCaptured = true;
    const bytes = body == null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    void settle(res.statusCode, bytes).finally(() => send(body));
    return res;
  }) as Response['send'];
  res.on('finish', () => { if (!isCaptured) onUncaptured(); });
}

function cleanUpNowAndThen(store: IdempotencyStore, req: Request): void {
  if (Date.now() - lastCleanupAt < CLEANUP_INTERVAL_MS) return;
  lastCleanupAt = Date.now();
  store.deleteExpired().then(
    (deleted) => req.log?.debug({ deleted }, 'expired idempotency keys deleted'),
    (err: unknown) => req.log?.warn({ err }, 'could not delete expired idempotency keys'),
  );
}
