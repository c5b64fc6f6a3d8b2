import {
  APIConnectionError, APIError, AuthenticationError, ConflictError, NotFoundError, PermissionError, PlanRequiredError,
  RateLimitError, ResponseValidationError, ServiceUnavailableError, ValidationError,
} from '../../sdk/typescript/src';
import type { ToolDefinition } from './tool';

export const API_KEY_ENV = 'CARBONPLAN_API_KEY';
export const BASE_URL_ENV = 'CARBONPLAN_BASE_URL';

/** An authenticated tool was called while the server runs without an API key. */
export class MissingApiKeyError extends Error {
  constructor() {
    super(`${API_KEY_ENV} is not set`);
    this.name = 'MissingApiKeyError';
  }
}

/** A tool found the input inconsistent before asking the API (e.g. neither serial nor receipt). */
export class ToolInputError extends Error {}

const requestIdOf = (err: APIError) => (err.requestId ? ` (request id ${err.requestId})` : '');
const statusOf = (err: APIError) => [err.status, err.code].filter((part) => part !== undefined).join(' ');

function retryHint(err: RateLimitError, now: Date): string {
  if (err.retryAfter === undefined) return 'Wait a minute before calling again.';
  const at = new Date(now.getTime() + err.retryAfter * 1000).toISOString();
  return `Retry after ${err.retryAfter} seconds (not before ${at}); calling sooner is refused again.`;
}

/**
 * The text of a tool error: the API's own message, then what to do next. Agents act on this text, so every
 * branch names the fix (an argument, an environment variable, a wait) rather than only the failure.
 */
export function describeToolError(err: unknown, tool: Pick<ToolDefinition, 'name'>, baseUrl: string, now = new Date()): string {
  if (err instanceof MissingApiKeyError) {
    return `${tool.name} needs an organization API key, and ${API_KEY_ENV} is not set in the MCP server's environment. `
      + `Create a key in CarbonPlan (an organization admin: POST /api/v1/api-keys or the dashboard), set ${API_KEY_ENV}=cp_live_… for the server and restart it. `
      + 'estimate_emissions and verify_receipt work without a key.';
  }
  if (err instanceof ToolInputError) return `${err.message}. Fix the arguments and call ${tool.name} again.`;
  if (!(err instanceof APIError)) {
    return `${tool.name} failed inside the MCP server: ${err instanceof Error ? err.message : String(err)}. This is not an input problem; report it if it repeats.`;
  }
  const api = `The CarbonPlan API answered ${statusOf(err)}: ${err.message}${requestIdOf(err)}.`;
  if (err instanceof RateLimitError) return `${api} ${retryHint(err, now)}`;
  if (err instanceof AuthenticationError) {
    return `${api} The API key in ${API_KEY_ENV} was refused: it must be an organization API key (cp_live_… or cp_test_…) that is neither revoked nor expired. `
      + 'Set a valid key in the MCP server\'s environment and restart it; retrying with the same key fails the same way.';
  }
  if (err instanceof PlanRequiredError) return `${api} This needs a paid plan${err.upgradeUrl ? `; an organization admin can upgrade at ${err.upgradeUrl}` : ''}. Other tools keep working.`;
  if (err instanceof PermissionError) return `${api} The API key's organization may not do this; ask an organization admin.`;
  if (err instanceof NotFoundError) return `${api} Check the id or serial: list_connections and list_receipts show the ones this organization has.`;
  if (err instanceof ValidationError) return `${api} Fix ${err.field ? `the argument ${err.field.replace(/^(body|query|params)\./, '')}` : 'the arguments'} and call ${tool.name} again.`;
  if (err instanceof ConflictError) return `${api} The resource is not in a state that allows this; read its current state (e.g. list_connections) before trying again.`;
  if (err instanceof ServiceUnavailableError) return `${api} A CarbonPlan dependency is unavailable; nothing was changed. Retry in a minute.`;
  if (err instanceof APIConnectionError) {
    return `Could not reach the CarbonPlan API at ${baseUrl}: ${err.message}. Check ${BASE_URL_ENV} in the MCP server's environment and that the API is running; retry once it is.`;
  }
  if (err instanceof ResponseValidationError) return `${api} The API's answer did not match the contract this server was built with; update the MCP server.`;
  return `${api} Retry later; if it persists, report the request id.`;
}
