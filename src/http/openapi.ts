import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
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
  422: 'The provider rejected the key, or this Idempotency-Key was used with a different request (IDEMPOTENCY_KEY_REUSED)',
  429: 'Rate limited: see Retry-After', 502: 'The provider could not be reached', 503: 'A dependency is down, or billing is not configured on this server (BILLING_NOT_CONFIGURED)',
};

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

/** The OpenAPI 3.1 document, generated from the same zod contracts the routes validate with. */
export function buildOpenApiDocument(routes: RouteSpec[], serverUrl?: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http', scheme: 'bearer', description: 'A Clerk session token, or an organization API key (cp_live_… / cp_test_…)',
  });
  const errorContent = { 'application/json': { schema: ErrorBody } };
  for (const route of routes) {
    const isIdempotent = takesIdempotencyKey(route);
    const statuses = new Set([400, ...(route.auth === 'organization' ? [401, 403, 429] : []), ...(isIdempotent ? [409, 422] : []), ...(route.errors ?? [])]);
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
        headers: isIdempotent ? IdempotencyHeaders : undefined,
        body: route.body ? { content: { 'application/json': { schema: route.body } } } : undefined,
      },
      responses: {
        [route.response.status]: {
          description: route.response.description ?? 'OK',
          content: route.response.schema ? { [route.response.contentType ?? 'application/json']: { schema: route.response.schema } } : undefined,
        },
        ...Object.fromEntries([...statuses].sort().map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? 'Error', content: errorContent }])),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'CarbonPlan API', version: '1.0.0', description: 'Energy and CO2e of your AI usage, with signed carbon receipts.' },
    servers: serverUrl ? [{ url: serverUrl }] : [],
  });
}
