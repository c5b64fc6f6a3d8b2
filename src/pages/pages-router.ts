import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isLoopbackHost } from '../config';
import type { AppDeps } from '../http/deps';
import { ClerkPages } from './auth/clerk-pages';
import { LocalSignIn } from './auth/local-sign-in';
import { pageRoutes } from './page-routes';
import { markStart, PAGE_ASSETS, type Renderer } from './render';
import { signInRoutes } from './sign-in-routes';

/** The pages' own static files (templates/pages/assets), mounted at /assets. */
export function pageAssets(): Router {
  const router = express.Router();
  router.use(express.static(PAGE_ASSETS, { index: false, maxAge: '10m', dotfiles: 'ignore', fallthrough: true }));
  return router;
}

/**
 * The dashboard: server-rendered pages over the same services the API's handlers call (never SQL of their own),
 * our own assets, sign-in with Clerk or, on the embedded defaults, the launcher's one-time link. Mounted by the
 * app before the JSON-only body rule (forms post url-encoded) and after the per-IP limit.
 */
export function pagesRouter(deps: AppDeps): Router {
  const { config, services } = deps;
  const key = config.pages.localSignInKey;
  // Checked by the config already; kept here so no other wiring can turn the links on for a public address.
  const local = key && isLoopbackHost(config.apiHost) ? new LocalSignIn(key) : undefined;
  const clerk = config.clerk ? new ClerkPages(config.clerk, config.pages.clerkSignInUrl) : undefined;
  const renderer: Renderer = { clerk, signInOrigin: clerk?.signInOrigin };
  const auth = { services, local, clerk };

  const router = express.Router();
  router.use((_req: Request, res: Response, next: NextFunction) => { markStart(res); next(); });
  router.use(signInRoutes(auth, renderer, config.publicBaseUrl));
  router.use(pageRoutes(auth, renderer, config));
  return router;
}
