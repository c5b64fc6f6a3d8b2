import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { AppError } from '../errors';
import { rateLimitRejections } from '../metrics/api-metrics';
import type { AppDeps } from './deps';
import { docsRouter } from './docs';
import { authenticate } from './middleware/authenticate';
import { requireAccess } from './middleware/authorize';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { idempotentWrites, takesIdempotencyKey } from './middleware/idempotency';
import { holdInFlight, httpMetrics } from './middleware/metrics';
import { pathDecodeErrors } from './middleware/path-decode-error';
import { requirePlan } from './middleware/require-plan';
import { byClientIp, byOrganization, createLimiter } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { checkResponseContracts, type ContractViolation } from './middleware/response-contract';
import { stripeWebhook } from './webhooks/stripe-webhook';
import { pageAssets, pagesRouter } from '../pages/pages-router';
import { buildOpenApiDocument } from './openapi';
import { parsePart, type RouteSpec } from './route';
import { ROUTES } from './routes';

const BODY_LIMIT = '1mb';

function mountRoute(app: Express, route: RouteSpec, deps: AppDeps): void {
  if ((route.auth === 'organization') !== route.path.startsWith('/api/v1/')) throw new Error(`route ${route.path}: organization routes live under /api/v1`);
  if (route.auth === 'organization') app[route.method](route.path, requireAccess(route.path, route.access));
  if (route.auth === 'organization' && route.plan) app[route.method](route.path, requirePlan(route.plan, deps.config));
  if (takesIdempotencyKey(route)) app.post(route.path, idempotentWrites(deps, route.path));
  app[route.method](route.path, async (req: Request, res: Response) => {
    const release = holdInFlight(res);
    try {
      const params = parsePart('params', route.params, req.params);
      const query = parsePart('query', route.query, req.query);
      const body = parsePart('body', route.body, req.body);
      const result = await route.handler({ params, query, body, auth: req.auth!, deps, req, res });
      if (result !== undefined && !res.headersSent) res.status(route.response.status).json(result);
    } finally {
      release();
    }
  });
}

export interface AppOptions {
  /** Tests: check every answer against its route's contract and report (and refuse) those that break it. */
  onContractViolation?: (violation: ContractViolation) => void;
}

/** The Express app: request id and logs, security headers, auth and limits by prefix, routes, one error body. */
export function createApp(deps: AppDeps, routes: RouteSpec[] = ROUTES, options: AppOptions = {}): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxyHops);
  app.set('query parser', 'simple');

  app.use(requestContext(deps.logger));
  if (options.onContractViolation) app.use(checkResponseContracts(routes, options.onContractViolation));
  app.use(httpMetrics(deps.metrics));
  app.use(helmet());
  app.use(cors({ origin: config.http.corsOrigins, exposedHeaders: ['x-request-id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'] }));
  // Routes exempt from the per-IP limit mount here, above it: the Stripe webhook (every customer's events come
  // from Stripe's few addresses) checks its signature before any other work instead.
  app.post('/webhooks/stripe', express.raw({ type: () => true, limit: BODY_LIMIT }), stripeWebhook(deps));
  // The dashboard's stylesheet, script and icon: public files every page load asks for, not worth a per-IP count.
  app.use('/assets', pageAssets());
  const rejections = rateLimitRejections(deps.metrics);
  // Per IP, before the body is parsed and before any token is looked at: /health, /openapi.json, /docs,
  // /public and unknown paths count every request; /api/v1 counts those that end unauthenticated.
  app.use(createLimiter({ name: 'ip', perMinute: config.http.publicRatePerMinute, key: byClientIp, store: deps.rateLimitStores?.public, isUnauthenticatedOnly: true, rejections }));
  // The dashboard pages (src/pages): forms post url-encoded, so they come before the JSON-only rule below.
  app.use(pagesRouter(deps));
  app.use(express.json({ limit: BODY_LIMIT }));
  // Write endpoints take JSON only; anything else with a body is a client mistake, not a 500.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.headers['content-length'] && req.headers['content-length'] !== '0' && !req.is('application/json') && ['POST', 'PUT', 'PATCH'].includes(req.method)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    }
    next();
  });

  const openApi = buildOpenApiDocument(routes, config.publicBaseUrl);
  app.get('/openapi.json', (_req, res) => { res.json(openApi); });
  app.use(docsRouter());

  app.use('/api/v1', authenticate(config, deps.services), createLimiter({ name: 'api', perMinute: config.http.apiRatePerMinute, key: byOrganization, store: deps.rateLimitStores?.api, rejections }));
  for (const route of routes) mountRoute(app, route, deps);

  app.use(notFoundHandler);
  app.use(pathDecodeErrors);
  app.use(errorHandler);
  return app;
}
