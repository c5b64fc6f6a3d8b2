import type { Request, Response } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors';
import type { AuthContext } from './middleware/authenticate';
import type { RouteAccess } from './middleware/authorize';
import type { RoutePlan } from './middleware/require-plan';
import type { AppDeps } from './deps';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every `auth: 'organization'` route: the tenant comes from here, never from the request. */
  auth: AuthContext;
  deps: AppDeps;
  req: Request;
  res: Response;
}

/**
 * An organization route names who may call it (see RouteAccess); the app checks it before parsing the request,
 * and the OpenAPI description states it. `plan: 'paid'` refuses free organizations (403 PLAN_REQUIRED) right after
 * that check. A public route has no caller to check.
 */
type RouteAuth = { auth: 'organization'; access: RouteAccess; plan?: RoutePlan } | { auth: 'public'; access?: never; plan?: never };

export type RouteSpec<P extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, B extends Schema | undefined = Schema | undefined> =
  RouteAuth & RouteBody<P, Q, B>;

interface RouteBody<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  method: Method;
  /** Express path, e.g. `/api/v1/connections/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The success answer. `schema` describes its body in `contentType` (JSON when omitted; a non-JSON body is a string
   * schema); `alternatives` are other media types of the same answer (a JSON array beside CSV); `others` are answers
   * the route gives instead that are not the error body (302 to a presigned link, /health's 503 with the health
   * body). Only a 204 and a redirect have no schema.
   */
  response: {
    status: number;
    schema?: Schema;
    description?: string;
    contentType?: string;
    alternatives?: Record<string, Schema>;
    others?: Record<number, { description: string; schema?: Schema }>;
  };
  /** Error statuses this route documents besides the common ones. */
  errors?: number[];
  /** Returns the response body (sent as JSON with `response.status`), or undefined after writing `res` itself. */
  handler: (input: HandlerInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<unknown>;
}

/** Keeps the generic types of one endpoint together; every endpoint file default-exports one of these. */
export function defineRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Parses one part of the request; the first issue becomes a 400 naming the field. */
export function parsePart(part: 'params' | 'query' | 'body', schema: Schema | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [part, ...issue.path.map(String)].join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
  throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}
