import {
  APIConnectionError, APIError, AuthenticationError, ConflictError, NotFoundError, PermissionError, PlanRequiredError,
  RateLimitError, ServiceUnavailableError, ValidationError,
} from '../../../sdk/typescript/src';
import { describeToolError, MissingApiKeyError, ToolInputError } from '../../../mcp/src/tool-errors';

const tool = { name: 'get_summary' };
const NOW = new Date('2026-11-01T10:00:00.000Z');
const describe_ = (err: unknown) => describeToolError(err, tool, 'http://127.0.0.1:3000', NOW);

describe('tool error text', () => {
  it.each([
    [new RateLimitError({ message: 'rate limit of 60 requests per minute exceeded', status: 429, code: 'RATE_LIMITED', requestId: 'req-1', retryAfter: 42 }),
      'The CarbonPlan API answered 429 RATE_LIMITED: rate limit of 60 requests per minute exceeded (request id req-1). Retry after 42 seconds (not before 2026-11-01T10:00:42.000Z); calling sooner is refused again.'],
    [new RateLimitError({ message: 'slow down', status: 429, code: 'RATE_LIMITED' }), 'The CarbonPlan API answered 429 RATE_LIMITED: slow down. Wait a minute before calling again.'],
    [new AuthenticationError({ message: 'API key is invalid or revoked', status: 401, code: 'UNAUTHENTICATED' }), /^The CarbonPlan API answered 401 UNAUTHENTICATED: API key is invalid or revoked\. The API key in CARBONPLAN_API_KEY was refused/],
    [new PlanRequiredError({ message: 'receipts need a paid plan', status: 403, code: 'PLAN_REQUIRED', details: { upgradeUrl: 'https://app.example/billing' } }), /receipts need a paid plan\. This needs a paid plan; an organization admin can upgrade at https:\/\/app\.example\/billing\./],
    [new PermissionError({ message: 'needs org:admin', status: 403, code: 'FORBIDDEN' }), /needs org:admin\. The API key's organization may not do this/],
    [new NotFoundError({ message: 'connection not found', status: 404, code: 'NOT_FOUND' }), /connection not found\. Check the id or serial: list_connections and list_receipts/],
    [new ValidationError({ message: 'query.from: must be a date as YYYY-MM-DD', status: 400, code: 'VALIDATION_FAILED', field: 'query.from' }), /must be a date as YYYY-MM-DD\. Fix the argument from and call get_summary again\.$/],
    [new ConflictError({ message: 'the connection is paused', status: 409, code: 'CONFLICT' }), /the connection is paused\. The resource is not in a state that allows this/],
    [new ServiceUnavailableError({ message: 'polling service unreachable', status: 503, code: 'SERVICE_UNAVAILABLE' }), /unreachable\. A CarbonPlan dependency is unavailable; nothing was changed\. Retry in a minute\.$/],
    [new APIConnectionError({ message: 'GET /api/v1/telemetry/summary failed: ECONNREFUSED', code: 'CONNECTION_FAILED' }), /^Could not reach the CarbonPlan API at http:\/\/127\.0\.0\.1:3000: GET .* ECONNREFUSED\. Check CARBONPLAN_BASE_URL/],
    [new APIError({ message: 'internal error', status: 500, code: 'INTERNAL', requestId: 'req-9' }), 'The CarbonPlan API answered 500 INTERNAL: internal error (request id req-9). Retry later; if it persists, report the request id.'],
    [new MissingApiKeyError(), /^get_summary needs an organization API key, and CARBONPLAN_API_KEY is not set/],
    [new ToolInputError('give exactly one of serial or receipt'), 'give exactly one of serial or receipt. Fix the arguments and call get_summary again.'],
    [new TypeError('boom'), /^get_summary failed inside the MCP server: boom\. This is not an input problem/],
  ])('%s', (err, expected) => {
    if (typeof expected === 'string') expect(describe_(err)).toBe(expected);
    else expect(describe_(err)).toMatch(expected);
  });
});
