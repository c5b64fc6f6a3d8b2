import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ErrorBody } from '../../../contracts/errors';
import { documentedErrorStatuses, STRIPE_WEBHOOK_OPERATION } from '../openapi';
import type { RouteSpec } from '../route';

/** One answer that broke its route's contract (see checkResponseContracts). */
export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  problem: string;
  /** The start of the body that was refused. */
  body: string;
}

interface Expectation {
  status: number;
  /** Media type (no parameters) → body schema; JSON bodies are parsed and checked, others only matched by type. */
  content: Map<string, z.ZodType | undefined>;
  /** Answers other than the success and the error body: status → JSON body schema (undefined: no body to check). */
  others: Map<number, z.ZodType | undefined>;
  errors: Set<number>;
}

/** 500 and 503 are undocumented on purpose: any route can fail, or lose its database, and say so in the error body. */
const ALWAYS_POSSIBLE = new Set([500, 503]);

const mediaType = (value: unknown) => String(value ?? '').split(';')[0].trim().toLowerCase();
const isJsonType = (type: string) => /^application\/([a-z0-9.-]+\+)?json$/.test(type);

function expectationOf(route: RouteSpec): Expectation {
  const { response } = route;
  const content = new Map<string, z.ZodType | undefined>();
  if (response.schema) content.set(mediaType(response.contentType ?? 'application/json'), response.schema);
  for (const [type, schema] of Object.entries(response.alternatives ?? {})) content.set(mediaType(type), schema);
  const others = new Map(Object.entries(response.others ?? {}).map(([status, other]) => [Number(status), other.schema]));
  return { status: response.status, content, others, errors: new Set(documentedErrorStatuses(route)) };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function schemaProblem(schema: z.ZodType, text: string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed) return 'the body is not JSON';
  const result = schema.safeParse(parsed.value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** `text` is undefined for a streamed answer, whose body this check does not see: only its status and type count. */
function errorProblem(type: string, text: string | undefined, expectation: Expectation | undefined): string | undefined {
  // The verify route answers browsers with a page, its 404 included.
  if (type === 'text/html' && expectation?.content.has('text/html')) return undefined;
  if (!isJsonType(type)) return `an error answered as ${type || 'no content type'}, not the one JSON error body`;
  if (text === undefined) return undefined;
  const parsed = parseJson(text);
  if (!parsed || typeof parsed.value !== 'object' || parsed.value === null || Object.keys(parsed.value).length !== 1) return 'an error not in the one error body';
  const problem = schemaProblem(ErrorBody, text);
  return problem && `error body ${problem}`;
}

function successProblem(status: number, type: string, text: string | undefined, expectation: Expectation): string | undefined {
  if (status !== expectation.status) return `status ${status}, the contract says ${expectation.status}`;
  if (status === 204) return text ? 'a 204 with a body' : undefined;
  if (!expectation.content.has(type)) return `content type ${type || '(none)'} is not one the contract names (${[...expectation.content.keys()].join(', ') || 'none'})`;
  const schema = expectation.content.get(type);
  return schema && text !== undefined && isJsonType(type) ? schemaProblem(schema, text) : undefined;
}

/** Why this answer breaks the contract of the route it matched (or of the app, when none matched), or undefined. */
function problemOf(status: number, type: string, text: string | undefined, routePath: string | undefined, expectation: Expectation | undefined): string | undefined {
  // Not the API: a matched route outside the contract (the docs, the dashboard's pages), or an HTML answer no
  // route matched (the dashboard's sign-in and error pages; the API's own unmatched answers are JSON).
  if (routePath ? !expectation : type === 'text/html') return undefined;
  if (expectation?.others.has(status)) {
    const schema = expectation.others.get(status);
    return schema && text !== undefined ? schemaProblem(schema, text) : undefined;
  }
  if (status >= 400) {
    if (expectation && !expectation.errors.has(status) && !ALWAYS_POSSIBLE.has(status)) return `status ${status} is not documented for this route`;
    return errorProblem(type, text, expectation);
  }
  return expectation ? successProblem(status, type, text, expectation) : undefined;
}

/**
 * For tests (createApp's `onContractViolation`): every answer sent through `res.send` (JSON, errors, idempotent
 * replays, text) is checked against the matched route's contract: the documented status, content type and body
 * schema, and the one error body for errors. A violation is reported and the answer replaced by a 500 naming it,
 * so the test that caused it fails where it happened. Streamed answers are checked by status and content type.
 */
export function checkResponseContracts(routes: RouteSpec[], onViolation: (violation: ContractViolation) => void): RequestHandler {
  const expectations = new Map<string, Expectation>();
  for (const route of routes) expectations.set(`${route.method.toUpperCase()} ${route.path}`, expectationOf(route));
  const webhook = STRIPE_WEBHOOK_OPERATION;
  expectations.set(`${webhook.method.toUpperCase()} ${webhook.path}`, {
    status: webhook.response.status, content: new Map([['application/json', webhook.response.schema]]), others: new Map(), errors: new Set(webhook.errorStatuses),
  });

  return (req: Request, res: Response, next: NextFunction) => {
    const send = res.send.bind(res);
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    let isChecked = false;
    const check = (text: string | undefined) => {
      const routePath = (req.route as { path?: string } | undefined)?.path;
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const expectation = routePath ? expectations.get(`${method} ${routePath}`) : undefined;
      const status = res.statusCode;
      const problem = problemOf(status, mediaType(res.getHeader('content-type')), text, routePath, expectation);
      if (!problem) return undefined;
      const violation = { method: req.method, path: routePath ?? req.path, status, problem, body: (text ?? '(streamed)').slice(0, 500) };
      onViolation(violation);
      req.log?.error({ violation }, 'response contract violated');
      return violation;
    };

    res.send = ((body?: unknown) => {
      // Objects go through res.json, which calls res.send again with the serialized text: check that.
      if (isChecked || (body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body))) return send(body);
      isChecked = true;
      const violation = check(body == null ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : body);
      if (!violation) return send(body);
      res.status(500).type('application/json');
      const requestId = String(req.id ?? res.getHeader('x-request-id') ?? '');
      return send(JSON.stringify({ error: { code: 'INTERNAL', message: `response contract violated by ${violation.method} ${violation.path} (${violation.status}): ${violation.problem}`, requestId } }));
    }) as Response['send'];

    // Streamed answers (export, PDF, zip, redirects) never call send: their status and content type are checked
    // when the head goes out. Too late to replace the answer; the violation is still reported.
    res.writeHead = ((...args: unknown[]) => {
      if (!isChecked) {
        isChecked = true;
        if (typeof args[0] === 'number') res.statusCode = args[0];
        const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && !Array.isArray(a)) as Record<string, unknown> | undefined;
        const contentType = headers && Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
        if (contentType !== undefined && !res.headersSent) res.setHeader('content-type', String(contentType));
        check(undefined);
      }
      return writeHead(...args);
    }) as Response['writeHead'];
    next();
  };
}
