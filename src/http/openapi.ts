import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { StripeWebhookEvent, StripeWebhookHeaders, StripeWebhookReceived } from '../../contracts/billing';
import { ErrorBody } from '../../contracts/errors';
import { IdempotencyHeaders } from '../../contracts/idempotency';
import { ACCESS_DESCRIPTIONS } from './middleware/authorize';
import { takesIdempotencyKey } from './middleware/idempotency';
import { PLAN_DESCRIPTIONS } from './middleware/require-plan';
import type { RouteSpec } from './route';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (the error names the field)', 401: 'Missing, invalid, expired or revoked credentials',
  403: 'No active organization, the caller\'s role does not allow this (FORBIDDEN, naming the role needed), or the plan does not include this', 404: 'Not found (or belongs to another organization)',
  409: 'Conflicts with the current state, or a request with this Idempotency-Key is still running (IDEMPOTENCY_KEY_IN_USE)', 413: 'Body larger than 1 MB',
  415: 'A body not sent as application/json, or in an encoding the server does not read',
  422: 'The provider rejected the key, or this Idempotency-Key was used with a different request (IDEMPOTENCY_KEY_REUSED)',
  429: 'Rate limited: see Retry-After', 502: 'The provider could not be reached', 503: 'A dependency is down, or billing is not configured on this server (BILLING_NOT_CONFIGURED)',
};

/** One component every error response refers to, rather than the same schema inlined a few hundred times. */
const ErrorBodyComponent = ErrorBody.meta({ id: 'ErrorBody' });

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');
const hasBody = (method: string) => method === 'post' || method === 'put' || method === 'patch';

/**
 * Every error status a route can answer: its own `errors`, plus what the app in front of it answers: 400 (parsing),
 * 429 (the per-IP limit covers every route; the organization limit /api/v1), 401/403 (authentication, role, plan),
 * 409/422 (Idempotency-Key) and, for methods with a body, 413/415 (body parser, content type).
 */
export function documentedErrorStatuses(route: RouteSpec): number[] {
  const statuses = new Set([400, 429, ...(route.auth === 'organization' ? [401, 403] : []), ...(takesIdempotencyKey(route) ? [409, 422] : []),
    ...(hasBody(route.method) ? [413, 415] : []), ...(route.errors ?? [])]);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * POST /webhooks/stripe is mounted by app.ts itself (raw body, exempt from the per-IP limit), not from a RouteSpec,
 * so it is described here; the route-table test checks the two lists together cover every route of the app.
 */
export const STRIPE_WEBHOOK_OPERATION = {
  method: 'post', path: '/webhooks/stripe', response: { status: 200, schema: StripeWebhookReceived }, errorStatuses: [400, 413, 503],
} as const;

function stripeWebhookPath(errorContent: object): RouteConfig {
  return {
    method: STRIPE_WEBHOOK_OPERATION.method,
    path: STRIPE_WEBHOOK_OPERATION.path,
    summary: 'Stripe events (subscriptions, invoices): for Stripe only. The signature over the raw body is checked before anything else (400 when it fails); processed and redelivered events answer 200; a failure half-way answers 5xx so Stripe delivers the event again. Not limited per IP.',
    tags: ['billing'],
    security: [],
    request: { headers: StripeWebhookHeaders, body: { content: { 'application/json': { schema: StripeWebhookEvent } } } },
    responses: {
      200: { description: 'Processed (or already processed)', content: { 'application/json': { schema: StripeWebhookReceived } } },
      ...Object.fromEntries(STRIPE_WEBHOOK_OPERATION.errorStatuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s], content: errorContent }])),
    },
  };
}

function successResponses(route: RouteSpec): RouteConfig['responses'] {
  const { response } = route;
  const content = response.schema
    ? { [response.contentType ?? 'application/json']: { schema: response.schema }, ...Object.fromEntries(Object.entries(response.alternatives ?? {}).map(([type, schema]) => [type, { schema }])) }
    : undefined;
  return {
    [response.status]: { description: response.description ?? 'OK', content },
    ...Object.fromEntries(Object.entries(response.others ?? {}).map(([status, other]) => [status, {
      description: other.description, content: other.schema ? { 'application/json': { schema: other.schema } } : undefined,
    }])),
  };
}

/** The OpenAPI 3.1 document, generated from the same zod contracts the routes validate with. */
export function buildOpenApiDocument(routes: RouteSpec[], serverUrl?: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http', scheme: 'bearer', description: 'A Clerk session token, or an organization API key (cp_live_… / cp_test_…)',
  });
  const errorContent = { 'application/json': { schema: ErrorBodyComponent } };
  for (const route of routes) {
    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      summary: route.summary,
      description: route.auth === 'organization' ? `Requires ${ACCESS_DESCRIPTIONS[route.access]}.${route.plan ? ` Requires ${PLAN_DESCRIPTIONS[route.plan]}.` : ''}` : undefined,
      'x-required-access': route.auth === 'organization' ? route.access : undefined,
      'x-required-plan': route.auth === 'organization' ? route.plan : undefined,
      tags: [route.tag],
      security: route.auth === 'organization' ? [{ bearer: [] }] : [],
      request: {
        params: route.params as never,
        query: route.query as never,
        headers: takesIdempotencyKey(route) ? IdempotencyHeaders : undefined,
        body: route.body ? { content: { 'application/json': { schema: route.body } } } : undefined,
      },
      responses: {
        ...Object.fromEntries(documentedErrorStatuses(route).map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? 'Error', content: errorContent }])),
        ...successResponses(route),
      },
    });
  }
  registry.registerPath(stripeWebhookPath(errorContent));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'CarbonPlan API', version: '1.0.0', description: 'Energy and CO2e of your AI usage, with signed carbon receipts.' },
    servers: serverUrl ? [{ url: serverUrl }] : [],
  });
}
