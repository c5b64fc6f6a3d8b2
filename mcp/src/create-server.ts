import { McpServer } from '@modelcontextprotocol/server';
import { CarbonPlan } from '../../sdk/typescript/src';
import { registerTools } from './register-tools';
import type { ToolDefinition } from './tool';
import { describeToolError, MissingApiKeyError } from './tool-errors';
import { buildTools } from './tools';

export const MCP_SERVER_NAME = 'carbonplan';
export const MCP_SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = [
  'CarbonPlan measures the energy and CO2e of AI API usage (OpenAI, Anthropic, OpenRouter) and issues signed carbon receipts.',
  'Every figure is an exact decimal string with low/central/high bounds: report the central value with its range. Energy is in Wh, CO2e in grams (receipts: kilograms).',
  'estimate_emissions and verify_receipt need no account; the other tools read the organization of the configured API key.',
].join(' ');

export interface CarbonPlanMcpOptions {
  api: CarbonPlan;
  /** Offers sync_connection (the only write). */
  isWriteAllowed: boolean;
}

/** The SDK client the tools use: rate limits are reported to the agent at once, not waited out behind its back. */
export function createApiClient(options: { apiKey?: string; baseUrl: string; fetch?: typeof fetch }): CarbonPlan {
  return new CarbonPlan({ apiKey: options.apiKey, baseUrl: options.baseUrl, maxRetryAfter: 0, timeout: 30_000, fetch: options.fetch });
}

/** Without a key, an authenticated tool answers with the fix (set CARBONPLAN_API_KEY) instead of a bare 401. */
function requiringKey(tool: ToolDefinition, hasKey: boolean): ToolDefinition {
  if (!tool.isAuthenticated || hasKey) return tool;
  return { ...tool, handler: async () => { throw new MissingApiKeyError(); } };
}

/** A fresh MCP server with the CarbonPlan tools (one per stdio connection, one per HTTP request). */
export function createCarbonPlanMcpServer({ api, isWriteAllowed }: CarbonPlanMcpOptions): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, title: 'CarbonPlan', version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });
  const hasKey = Boolean(api.config.apiKey);
  const tools = buildTools({ api }, { isWriteAllowed }).map((tool) => requiringKey(tool, hasKey));
  registerTools(server, tools, (err, tool) => describeToolError(err, tool, api.config.baseUrl));
  return server;
}
