import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../errors';

/**
 * Express's router decodes path parameters before any route runs, and a segment that is not valid
 * percent-encoding (`/projects/%`, `/projects/%E0%A4%A`) becomes a bare 400 URIError naming no field. The route
 * is not known yet, so the field is the path parameters as a whole.
 */
export function pathDecodeErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
    next(new AppError('VALIDATION_FAILED', 'params: a path segment is not valid percent-encoded UTF-8', { field: 'params' }));
    return;
  }
  next(err);
}
