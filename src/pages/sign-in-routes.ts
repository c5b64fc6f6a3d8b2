import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../errors';
import type { Services } from '../services';
import { cookieOf } from './auth/clerk-pages';
import { LOCAL_SESSION_COOKIE } from './auth/local-sign-in';
import { resolvePageSession, type PageAuthDeps } from './auth/page-session';
import { isOwnFormPost } from './csrf';
import { sendErrorPage } from './page-errors';
import { sendPage, type Renderer } from './render';

const REASONS = {
  invalid: 'This sign-in link is not valid (it may have been cut short when copied).',
  expired: 'This sign-in link has expired: links are valid for 10 minutes.',
  used: 'This sign-in link was already used: each link signs in once.',
} as const;

function loginHelp(res: Response, r: Renderer, status: number, first: string) {
  sendPage(res, r, {
    status, template: 'message', title: 'Sign in',
    view: {
      paragraphs: [first, 'npm start (and npm run demo) prints a one-time sign-in link for the local organization when it is ready. Each start prints a new one; links last 10 minutes and sign in once.'],
      code: 'Dashboard    http://127.0.0.1:3000/login?token=…', link: null, requestId: null,
    },
  });
}

/**
 * `GET /login?token=…` trades the launcher's one-time link for a session cookie (embedded defaults); without a
 * token it explains where the link comes from, or sends the visitor to Clerk's sign-in. `POST /logout` ends the
 * session (a form with the CSRF token).
 */
export function signInRoutes(auth: PageAuthDeps & { services: Services }, r: Renderer, publicBaseUrl: string | undefined): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/login', async (req: Request, res: Response) => {
    // The token is in this URL: never let it travel on in a Referer.
    res.set('Referrer-Policy', 'no-referrer');
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (!auth.local) {
      if (auth.clerk) return res.redirect(302, auth.clerk.signInUrl(`${publicBaseUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host')}`}/`, req));
      return sendPage(res, r, {
        status: token ? 404 : 200, template: 'message', title: 'Sign in',
        view: { paragraphs: ['Sign-in is not set up on this server. The dashboard signs people in with Clerk (CLERK_* settings), or, on the embedded defaults (npm start), with the one-time link the launcher prints. The API works with an API key meanwhile.'], code: null, link: { href: '/docs', text: 'API documentation' }, requestId: null },
      });
    }
    if (!token) {
      if (req.query['signed-out'] !== undefined) return loginHelp(res, r, 200, 'You are signed out.');
      return loginHelp(res, r, 200, 'Sign in with the link the launcher printed.');
    }
    const outcome = auth.local.redeem(token);
    if (!outcome.ok) return loginHelp(res, r, 401, REASONS[outcome.reason]);
    try {
      await auth.services.organizations.getById(outcome.orgId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return loginHelp(res, r, 401, REASONS.invalid);
      return sendErrorPage(req, res, r, err);
    }
    res.cookie(LOCAL_SESSION_COOKIE, outcome.cookieValue, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', expires: outcome.expiresAt });
    res.set('Cache-Control', 'no-store');
    return res.redirect(303, '/');
  });

  router.post('/logout', form, async (req: Request, res: Response) => {
    try {
      const outcome = await resolvePageSession(auth, req, res);
      if (outcome.kind === 'answered') return undefined;
      if (outcome.kind !== 'signed-in') return res.redirect(303, '/login?signed-out');
      const { session } = outcome;
      if (!isOwnFormPost(req, session, publicBaseUrl)) throw new AppError('FORBIDDEN', 'this form is out of date or did not come from this site: reload the page and try again');
      if (session.local) {
        auth.local?.signOut(session.local);
        res.clearCookie(LOCAL_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
        return res.redirect(303, '/login?signed-out');
      }
      // Without script the Clerk session cannot be ended at Clerk from here; clerk-js does that (clerk-session.js).
      if (cookieOf(req, '__session')) res.clearCookie('__session', { path: '/' });
      return res.redirect(303, '/');
    } catch (err) {
      return sendErrorPage(req, res, r, err);
    }
  });
  return router;
}
