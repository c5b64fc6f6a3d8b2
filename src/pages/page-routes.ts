import { pipeline } from 'node:stream/promises';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { Uuid } from '../../contracts/common';
import { PaidPlan } from '../../contracts/billing';
import type { Config } from '../config';
import { AppError } from '../errors';
import { authorize } from '../http/middleware/authorize';
import { byOrganization } from '../http/middleware/rate-limit';
import type { Services } from '../services';
import { resolvePageSession, signInLocation, type PageAuthDeps, type PageSession } from './auth/page-session';
import { isOwnFormPost } from './csrf';
import { pageNotFound, sendErrorPage } from './page-errors';
import { sendPage, type NavKey, type Notice, type PageInput, type Renderer } from './render';
import { billingView } from './views/billing-view';
import { connectionsView } from './views/connections-view';
import { modelsView } from './views/models-view';
import { overviewView } from './views/overview-view';
import type { PageContext } from './views/page-context';
import { receiptsView } from './views/receipts-view';

type Handler = (ctx: PageContext, req: Request, res: Response) => Promise<void>;

const query = (req: Request) => req.query as Record<string, unknown>;
const idParam = (req: Request) => {
  const id = req.params.id;
  if (typeof id !== 'string' || !Uuid.safeParse(id).success) throw pageNotFound();
  return id;
};

/** The five dashboard pages and the forms they post, each behind the page session (and CSRF for posts). */
export function pageRoutes(auth: PageAuthDeps & { services: Services }, r: Renderer, config: Config): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  // Per organization, as the API's own limit: a page costs about what the API calls behind it would.
  const perMinute = config.http.apiRatePerMinute;
  const limiter = rateLimit({
    windowMs: 60_000, limit: perMinute, identifier: 'pages', standardHeaders: 'draft-8', legacyHeaders: false, keyGenerator: byOrganization,
    requestPropertyName: 'rateLimit_pages',
    handler: (req, res) => sendErrorPage(req, res, r, new AppError('RATE_LIMITED', `this organization opened more than ${perMinute} pages in a minute: wait a moment, then reload`)),
  });

  const signedIn = (handler: Handler, isPost = false) => async (req: Request, res: Response) => {
    let session: PageSession | undefined;
    try {
      const outcome = await resolvePageSession(auth, req, res);
      if (outcome.kind === 'answered') return;
      if (outcome.kind === 'signed-out') return res.redirect(isPost ? 303 : 302, signInLocation(auth, req, config.publicBaseUrl));
      if (outcome.kind === 'no-organization') {
        return sendPage(res, r, { status: 403, template: 'message', title: 'Choose an organization', view: { paragraphs: ['Your session has no active organization. CarbonPlan keeps figures per organization: select or create one in your account, then come back.'], code: null, link: null, requestId: null } });
      }
      session = outcome.session;
      // The per-IP limit gives an authenticated request its hit back, as on the API.
      req.auth = session.auth;
      if (!(await passes(limiter, req, res))) return;
      if (isPost && !isOwnFormPost(req, session, config.publicBaseUrl)) {
        throw new AppError('FORBIDDEN', 'this form is out of date or did not come from this site: reload the page and try again');
      }
      const apiBase = config.publicBaseUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`;
      await handler({ services: auth.services, config, session, orgId: session.auth.orgId, now: new Date(), apiBase }, req, res);
    } catch (err) {
      sendErrorPage(req, res, r, err, session);
    }
  };

  const show = (template: PageInput['template'], active: NavKey, title: string, view: object & { problem?: string; notices?: Notice[] }, ctx: PageContext, res: Response) => {
    const notices = [...(view.notices ?? []), ...(view.problem ? [{ tone: 'warn' as const, text: view.problem }] : [])];
    sendPage(res, r, { template, active, title, session: ctx.session, notices, view });
  };

  router.get('/', signedIn(async (ctx, req, res) => show('overview', 'overview', 'Overview', await overviewView(ctx, query(req)), ctx, res)));
  router.get('/models', signedIn(async (ctx, req, res) => show('models', 'models', 'Models', await modelsView(ctx, query(req)), ctx, res)));
  router.get('/connections', signedIn(async (ctx, req, res) => show('connections', 'connections', 'Connections', await connectionsView(ctx, query(req)), ctx, res)));
  router.get('/receipts', signedIn(async (ctx, req, res) => show('receipts', 'receipts', 'Receipts', await receiptsView(ctx, query(req)), ctx, res)));
  router.get('/billing', signedIn(async (ctx, req, res) => {
    const notice = billingNotice(query(req));
    show('billing', 'billing', 'Billing', { ...(await billingView(ctx)), notices: notice ? [notice] : [] }, ctx, res);
  }));

  // "Sync now": the API's own rules (member access, one sync per connection per 5 minutes) through the same service.
  router.post('/connections/:id/sync', form, signedIn(async (ctx, req, res) => {
    const id = idParam(req);
    authorize('member', ctx.session.auth);
    const back = (params: Record<string, string>) => res.redirect(303, `/connections?${new URLSearchParams({ ...params, id }).toString()}#connection-${id}`);
    try {
      await ctx.services.connections.requestSync(ctx.orgId, id, String(req.id ?? ''));
      back({ sync: 'requested' });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'RATE_LIMITED') return back({ sync: 'limited', retry: err.extra.headers?.['Retry-After'] ?? '' });
      if (err.code === 'CONFLICT') return back({ sync: 'refused' });
      if (err.code === 'SERVICE_UNAVAILABLE') return back({ sync: 'unavailable' });
      throw err;
    }
  }, true));

  router.get('/receipts/:id/pdf', signedIn(async (ctx, req, res) => {
    const id = idParam(req);
    if (ctx.session.auth.org.plan === 'free') throw new AppError('PLAN_REQUIRED', 'carbon receipts come with the pro and enterprise plans');
    const pdf = await ctx.services.receiptPdfs.open(ctx.orgId, id);
    res.set('Cache-Control', 'private, no-store');
    if ('url' in pdf) return res.redirect(302, pdf.url);
    res.status(200).set({ 'Content-Type': 'application/pdf', 'Content-Disposition': `inline; filename="${pdf.filename}"` });
    await pipeline(pdf.stream, res);
  }));

  // Checkout and the portal are for org:admin sessions, as POST /api/v1/billing/checkout and /portal.
  router.post('/billing/checkout', form, signedIn(async (ctx, req, res) => {
    authorize('admin-session', ctx.session.auth);
    const plan = PaidPlan.safeParse((req.body as Record<string, unknown>).plan);
    if (!plan.success) throw new AppError('VALIDATION_FAILED', 'choose the pro or the enterprise plan');
    await redirectToStripe(res, () => ctx.services.billing.createCheckout(ctx.orgId, plan.data));
  }, true));
  router.post('/billing/portal', form, signedIn(async (ctx, _req, res) => {
    authorize('admin-session', ctx.session.auth);
    await redirectToStripe(res, () => ctx.services.billing.createPortal(ctx.orgId));
  }, true));
  return router;
}

/** Runs the limiter; false when it answered (429) instead of letting the request through. */
function passes(limiter: RequestHandler, req: Request, res: Response): Promise<boolean> {
  return new Promise((resolve, reject) => {
    res.once('finish', () => resolve(false));
    void limiter(req, res, (err?: unknown) => (err ? reject(err) : resolve(true)));
  });
}

async function redirectToStripe(res: Response, start: () => Promise<{ url: string }>): Promise<void> {
  try {
    res.redirect(303, (await start()).url);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'BILLING_NOT_CONFIGURED') return res.redirect(303, '/billing?billing=not-configured');
    if (err.code === 'CONFLICT' && typeof err.extra.details?.portalUrl === 'string') return res.redirect(303, err.extra.details.portalUrl);
    if (err.code === 'PROVIDER_UNREACHABLE') return res.redirect(303, '/billing?billing=stripe-down');
    throw err;
  }
}

function billingNotice(q: Record<string, unknown>): Notice | null {
  if (q.billing === 'not-configured') return { tone: 'warn', text: 'Billing is not configured on this server: its operator sets the Stripe settings (STRIPE_SECRET_KEY, the price ids and the return URLs). Everything else works without them.' };
  if (q.billing === 'stripe-down') return { tone: 'error', text: 'Stripe could not be reached; nothing was changed. Try again in a moment.' };
  return null;
}
