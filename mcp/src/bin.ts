// carbonplan-mcp: the CarbonPlan MCP server. stdio by default; --http PORT for Streamable HTTP.
// stdout belongs to the protocol in stdio mode: everything human goes to stderr.
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createApiClient, createCarbonPlanMcpServer, MCP_SERVER_VERSION } from './create-server';
import { startHttpServer } from './http-server';
import { parseOptions, USAGE } from './options';

const log = (line: string) => process.stderr.write(`carbonplan-mcp: ${line}\n`);

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number | undefined> {
  const parsed = parseOptions(argv, env);
  if (parsed.kind === 'help') {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    log(`error: ${parsed.message}`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { options, warnings } = parsed;
  for (const warning of warnings) log(`warning: ${warning}`);
  const api = createApiClient({ apiKey: options.apiKey, baseUrl: options.baseUrl });
  const factory = () => createCarbonPlanMcpServer({ api, isWriteAllowed: options.isWriteAllowed });
  const onError = (err: Error) => log(`error: ${err.message}`);
  const tools = options.isWriteAllowed ? 'read-only tools and sync_connection' : 'read-only tools (--allow-writes adds sync_connection)';

  if (options.transport === 'stdio') {
    serveStdio(factory, { onerror: onError });
    log(`${MCP_SERVER_VERSION} on stdio, API ${options.baseUrl}, ${tools}`);
    return undefined;
  }
  const http = await startHttpServer({ port: options.port!, host: options.host, createServer: factory, onError });
  log(`${MCP_SERVER_VERSION} listening on ${http.url} (Streamable HTTP, stateless), API ${options.baseUrl}, ${tools}`);
  const stop = () => { void http.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

/** Runs the server and sets the exit code; failures to start (a port in use) are one line on stderr, not a stack. */
export function runCli(argv: string[], env: Record<string, string | undefined>): void {
  main(argv, env).then(
    (code) => { if (code !== undefined) process.exitCode = code; },
    (err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      log(`error: ${e.code === 'EADDRINUSE' ? 'the port is already in use; pick another with --http PORT' : e.message ?? String(err)}`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCli(process.argv.slice(2), process.env);
