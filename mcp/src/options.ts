import { API_KEY_ENV, BASE_URL_ENV } from './tool-errors';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
export const DEFAULT_HOST = '127.0.0.1';

export const USAGE = `usage: carbonplan-mcp [--http PORT [--host HOST]] [--allow-writes]

  (no option)     serve MCP over stdio (what desktop clients launch)
  --http PORT     serve Streamable HTTP at http://HOST:PORT/mcp instead (stateless, JSON answers)
  --host HOST     address to bind with --http (default ${DEFAULT_HOST}; anything else exposes the tools to the network)
  --allow-writes  also offer sync_connection (asks the API to poll a connection now)

environment:
  ${API_KEY_ENV}   organization API key (cp_live_… or cp_test_…); needed by every tool except
                       estimate_emissions and verify_receipt
  ${BASE_URL_ENV}  the CarbonPlan API (default ${DEFAULT_BASE_URL})`;

export interface McpOptions {
  transport: 'stdio' | 'http';
  /** With transport 'http'; 0 picks a free port. */
  port?: number;
  host: string;
  isWriteAllowed: boolean;
  apiKey?: string;
  baseUrl: string;
}

export type ParsedOptions = { kind: 'run'; options: McpOptions; warnings: string[] } | { kind: 'help' } | { kind: 'error'; message: string };

/** Arguments and environment, checked once at start-up: a wrong setting stops the server with the fix, before any client connects. */
export function parseOptions(argv: string[], env: Record<string, string | undefined>): ParsedOptions {
  let port: string | undefined;
  let host: string | undefined;
  let isWriteAllowed = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--allow-writes') isWriteAllowed = true;
    else if (arg === '--http' || arg === '--host') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) return { kind: 'error', message: `${arg} needs a value` };
      if (arg === '--http') port = value; else host = value;
    } else return { kind: 'error', message: `unknown argument ${arg}` };
  }
  if (host !== undefined && port === undefined) return { kind: 'error', message: '--host applies to --http PORT only (stdio binds nothing)' };
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535)) return { kind: 'error', message: `--http needs a port number 0-65535, not ${JSON.stringify(port)}` };

  const baseUrl = (env[BASE_URL_ENV] || DEFAULT_BASE_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { kind: 'error', message: `${BASE_URL_ENV}=${JSON.stringify(baseUrl)} is not a URL; set it to the API's address, e.g. ${DEFAULT_BASE_URL}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'error', message: `${BASE_URL_ENV} must be an http(s) URL, not ${url.protocol}` };

  const apiKey = env[API_KEY_ENV]?.trim() || undefined;
  if (isWriteAllowed && !apiKey) return { kind: 'error', message: `--allow-writes needs ${API_KEY_ENV} (sync_connection acts for an organization); set it to an organization API key` };
  const warnings: string[] = [];
  if (!apiKey) {
    warnings.push(`${API_KEY_ENV} is not set: estimate_emissions and verify_receipt work; get_summary, list_connections and list_receipts answer with an error until ${API_KEY_ENV} holds an organization API key`);
  } else if (!/^cp_(live|test)_/.test(apiKey)) {
    warnings.push(`${API_KEY_ENV} does not look like an organization API key (cp_live_… or cp_test_…); the API will likely refuse it`);
  }
  return {
    kind: 'run',
    options: { transport: port === undefined ? 'stdio' : 'http', port: port === undefined ? undefined : Number(port), host: host ?? DEFAULT_HOST, isWriteAllowed, apiKey, baseUrl },
    warnings,
  };
}
