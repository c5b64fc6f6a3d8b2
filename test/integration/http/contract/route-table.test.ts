import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_FILE } from '../../../../src/ops/openapi-document';
import { pagesRouter } from '../../../../src/pages/pages-router';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

/**
 * The app's real router stack, not the ROUTES list: whatever app.ts mounts (routes, nested routers, path-mounted
 * handlers) must be an operation of /openapi.json, or a piece of non-API plumbing listed here with the reason, or a
 * page of the dashboard router (src/pages: server-rendered HTML and form posts for browsers with a session cookie,
 * not the API; its routes are read from the router itself, so nothing else can hide among them).
 */
const NOT_API: Record<string, string> = {
  'GET /openapi.json': 'the OpenAPI document itself',
  'GET /docs': 'the Swagger UI page that renders /openapi.json',
  'GET /docs/init.js': 'the Swagger UI start-up script (a file, so the Content-Security-Policy can stay strict)',
  'USE /docs/assets': 'Swagger UI\'s static files (swagger-ui-dist)',
  'USE /api/v1': 'authentication and the per-organization limit in front of every /api/v1 route (each route documents its 401/403/429)',
};

interface Mounted { key: string; method: string; path: string }

/** Every route and path-mounted handler of an Express 5 router stack, nested routers included. */
function mountedOf(stack: any[], prefix = ''): Mounted[] {
  const found: Mounted[] = [];
  for (const layer of stack) {
    const at = layer.rawPath === undefined || layer.rawPath === '/' ? '' : String(layer.rawPath);
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        const routePath = `${prefix}${layer.route.path}`;
        found.push({ key: `${method.toUpperCase()} ${routePath}`, method, path: routePath });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      found.push(...mountedOf(layer.handle.stack, `${prefix}${at}`));
    } else if (at) {
      found.push({ key: `USE ${prefix}${at}`, method: 'use', path: `${prefix}${at}` });
    }
  }
  return [...new Map(found.map((m) => [m.key, m])).values()];
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

let api: TestApi;
let doc: any;

beforeAll(async () => {
  api = await startTestApi(testConfig({}));
  doc = (await api.http.get('/openapi.json')).body;
});
afterAll(async () => { await api?.close(); });

describe('the route table and /openapi.json', () => {
  it('documents every route the app mounts; only listed plumbing and the dashboard pages are left out', () => {
    const mounted = mountedOf((api.app as any).router.stack);
    expect(mounted.length).toBeGreaterThan(30);
    const dashboard = new Set(mountedOf((pagesRouter(api.deps) as any).stack).map((m) => m.key));
    expect([...dashboard].filter((key) => /^\S+ \/(api|public|webhooks)(\/|$)/.test(key))).toEqual([]);
    const undocumented = mounted
      .filter((m) => !NOT_API[m.key] && !dashboard.has(m.key))
      .filter((m) => m.method === 'use' || !doc.paths[toOpenApiPath(m.path)]?.[m.method])
      .map((m) => m.key);
    expect(undocumented).toEqual([]);
    // An allow-list entry for something the app no longer mounts would excuse the next route of that name.
    expect(Object.keys(NOT_API).filter((key) => !mounted.some((m) => m.key === key))).toEqual([]);
  });

  it('documents no operation the app does not mount', () => {
    const mounted = new Set(mountedOf((api.app as any).router.stack).map((m) => `${m.method} ${toOpenApiPath(m.path)}`));
    const operations = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, item]) => Object.keys(item).map((method) => `${method} ${p}`));
    expect(operations.filter((op) => !mounted.has(op))).toEqual([]);
  });

  it('gives every operation its request and response schemas', () => {
    const problems: string[] = [];
    for (const [p, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const name = `${method.toUpperCase()} ${p}`;
        const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const param of pathParams) {
          if (!op.parameters?.some((x: any) => x.in === 'path' && x.name === param && x.required && x.schema)) problems.push(`${name}: path parameter ${param} has no schema`);
        }
        for (const param of op.parameters ?? []) if (!param.schema) problems.push(`${name}: parameter ${param.name} has no schema`);
        if (op.requestBody && !op.requestBody.content?.['application/json']?.schema) problems.push(`${name}: request body without a JSON schema`);
        const statuses = Object.keys(op.responses ?? {});
        const success = statuses.filter((s) => /^2/.test(s));
        if (success.length !== 1) problems.push(`${name}: ${success.length} success responses`);
        for (const status of statuses) {
          const response = op.responses[status];
          const content = Object.entries<any>(response.content ?? {});
          if (status === '204' || /^3/.test(status)) {
            if (content.length) problems.push(`${name}: ${status} documents a body`);
            continue;
          }
          if (content.length === 0) problems.push(`${name}: ${status} has no content`);
          for (const [type, media] of content) if (!media.schema) problems.push(`${name}: ${status} ${type} has no schema`);
          if (/^4/.test(status) && response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorBody') problems.push(`${name}: ${status} is not the error body`);
        }
        if (!statuses.includes('400')) problems.push(`${name}: no 400`);
        if (p !== '/webhooks/stripe' && !statuses.includes('429')) problems.push(`${name}: no 429 (every route but the webhook is behind the per-IP limit)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('serves the committed contracts/openapi.json (plus its server URL)', () => {
    const committed = JSON.parse(readFileSync(path.join(__dirname, '../../../..', OPENAPI_FILE), 'utf8'));
    expect({ ...doc, servers: [] }).toEqual(committed);
  });
});
