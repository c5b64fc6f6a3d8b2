import type { NextFunction, Request, Response } from 'express';
import type { ErrorBody } from '../../../contracts/errors';
import { AppError } from '../../errors';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, unavailableDependency } from './dependency-errors';

/** Body-parser and similar errors carry an HTTP status and a `type`; map the ones a client can cause. */
function fromHttpError(err: { status?: number; statusCode?: number; type?: string; message?: string }): AppError | undefined {
  const status = err.status ?? err.statusCode;
  if (err.type === 'entity.parse.failed') return new AppError('MALFORMED_JSON', 'request body is not valid JSON');
  if (err.type === 'entity.too.large' || status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'request body is larger than 1 MB');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported' || status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', err.message ?? 'unsupported body encoding');
  if (status && status >= 400 && status < 500) return new AppError('VALIDATION_FAILED', err.message ?? 'bad request');
  return undefined;
}

export function sendError(req: Request, res: Response, error: AppError): void {
  const requestId = String(req.id ?? res.getHeader('x-request-id') ?? '');
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) res.setHeader(name, value);
  if (error.code === 'SERVICE_UNAVAILABLE' && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId, ...(error.extra.field ? { field: error.extra.field } : {}), ...(error.extra.details ? { details: error.extra.details } : {}) } };
  res.status(error.status).json(body);
}

/** The one place errors become responses: expected ones at warn, unexpected at error with a generic message. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const expected = err instanceof AppError ? err : typeof err === 'object' && err !== null ? fromHttpError(err as never) : undefined;
  if (res.headersSent) {
    req.log?.error({ err }, 'error after the response started');
    res.destroy();
    return;
  }
  if (expected) {
    req.log?.warn({ code: expected.code, message: expected.message }, 'request failed');
    sendError(req, res, expected);
    return;
  }
  const dependency = unavailableDependency(err);
  if (dependency) {
    // An outage, not a bug: the client may retry. Which driver error it was stays in the log.
    req.log?.warn({ err, dependency }, 'dependency unavailable');
    sendError(req, res, new AppError('SERVICE_UNAVAILABLE', `the ${dependency === 'database' ? 'database' : 'workflow service'} is unavailable right now; retry after the time in the Retry-After header`));
    return;
  }
  req.log?.error({ err }, 'unexpected error');
  sendError(req, res, new AppError('INTERNAL', 'internal error; quote the request id when contacting support'));
}

export function notFoundHandler(req: Request, res: Response): void {
  sendError(req, res, new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}
