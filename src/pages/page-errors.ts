import type { Request, Response } from 'express';
import { AppError } from '../errors';
import { unavailableDependency } from '../http/middleware/dependency-errors';
import type { PageSession } from './auth/page-session';
import { sendPage, type Renderer } from './render';

const TITLES: Partial<Record<AppError['code'], string>> = {
  NOT_FOUND: 'Not found',
  VALIDATION_FAILED: 'That request is not valid',
  FORBIDDEN: 'Not allowed',
  PLAN_REQUIRED: 'Available on paid plans',
  CONFLICT: 'Not possible right now',
  RATE_LIMITED: 'Too many requests',
  SERVICE_UNAVAILABLE: 'Temporarily unavailable',
  BILLING_NOT_CONFIGURED: 'Billing is not configured',
  PROVIDER_UNREACHABLE: 'Temporarily unavailable',
};

const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.!?)]$/.test(message) ? '' : '.'}`;

/**
 * Any failure of a page as a page: expected ones (our AppError messages are written for clients) with their
 * status and words, an outage as 503, anything else as a 500 naming only the request id (details go to the log).
 */
export function sendErrorPage(req: Request, res: Response, r: Renderer, err: unknown, session?: PageSession): void {
  if (res.headersSent) {
    req.log?.error({ err }, 'page failed after the response started');
    res.destroy();
    return;
  }
  const requestId = String(req.id ?? '');
  let status = 500;
  let title = 'Something went wrong';
  let paragraphs = ['The page could not be shown. Try again in a moment; if it keeps failing, quote the request id below.'];
  let link: { href: string; text: string } | null = { href: '/', text: 'Back to the overview' };
  if (err instanceof AppError) {
    status = err.status;
    title = TITLES[err.code] ?? title;
    // Our validation messages name the field (query.cursor: …): on a page that is the address, not a request body.
    paragraphs = [err.code === 'VALIDATION_FAILED' ? `The address of this page has a value that is not valid (${err.message}).` : sentence(err.message)];
    if (err.code === 'PLAN_REQUIRED') link = { href: '/billing', text: 'See the plans' };
    req.log?.warn({ code: err.code, message: err.message }, 'page request failed');
  } else if (unavailableDependency(err)) {
    status = 503;
    title = 'Temporarily unavailable';
    paragraphs = ['The database or the workflow service is not answering right now. Reload in a minute.'];
    res.set('Retry-After', '5');
    req.log?.warn({ err }, 'page: dependency unavailable');
  } else {
    req.log?.error({ err }, 'page failed');
  }
  sendPage(res, r, { status, template: 'message', title, session, view: { paragraphs, link, requestId, code: null } });
}

/** A page for a page path that does not exist under a signed-in session is the app's 404; this is for ids. */
export const pageNotFound = () => new AppError('NOT_FOUND', 'there is nothing at this address in your organization');
