import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMcpHandler, hostHeaderValidationResponse, isLegacyRequest, localhostAllowedHostnames, localhostAllowedOrigins,
  originValidationResponse, WebStandardStreamableHTTPServerTransport, type McpServer,
} from '@modelcontextprotocol/server';

export const MCP_PATH = '/mcp';
/** The SDK's own default bound for a POST body. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface HttpServerOptions {
  port: number;
  host: string;
  /** A fresh MCP server per request: stateless, so nothing is shared between requests or clients. */
  createServer: () => McpServer;
  onError?: (err: Error) => void;
}

export interface RunningHttpServer {
  /** Where clients connect, e.g. http://127.0.0.1:8080/mcp. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const jsonRpcError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status, headers });

/**
 * Streamable HTTP, stateless, plain JSON answers for both protocol eras. The SDK's createMcpHandler serves the
 * 2026-07-28 era; its fallback for 2025-era clients (today's desktop clients) answers over SSE, so those requests
 * are routed (isLegacyRequest, the SDK's documented seam) to a per-request transport with JSON responses instead.
 */
export function createMcpFetchHandler(options: Pick<HttpServerOptions, 'createServer' | 'onError' | 'host'>): { fetch: (request: Request) => Promise<Response>; close: () => Promise<void> } {
  const modern = createMcpHandler(() => options.createServer(), { legacy: 'reject', responseMode: 'json', onerror: options.onError });
  const isLoopback = LOOPBACK_HOSTS.has(options.host);

  async function serveLegacy(request: Request): Promise<Response> {
    if (request.method !== 'POST') return jsonRpcError(405, 'Method not allowed: this server is stateless; POST JSON-RPC messages to it.', { Allow: 'POST' });
    const server = options.createServer();
    // A JSON answer is complete when handleRequest resolves, so this request's server can be closed right after.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await transport.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    }
  }

  return {
    fetch: async (request) => {
      // DNS rebinding and cross-site requests: a loopback server answers only loopback Host names, and browsers only
      // from loopback origins (clients that are not browsers send no Origin).
      const rejected = (isLoopback ? hostHeaderValidationResponse(request, localhostAllowedHostnames()) : undefined)
        ?? originValidationResponse(request, localhostAllowedOrigins());
      if (rejected) return rejected;
      if (new URL(request.url).pathname !== MCP_PATH) return jsonRpcError(404, `not found: the MCP endpoint is ${MCP_PATH}`);
      return (await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_BODY_BYTES })) ? serveLegacy(request) : modern.fetch(request);
    },
    close: () => modern.close(),
  };
}

/** The body, or undefined past the bound (read to the end anyway: leaving the loop would reset the socket before the 413). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

/** Serves the MCP endpoint on node:http (the SDK's handler speaks web Request/Response; this bridges the two). */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const handler = createMcpFetchHandler(options);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const aborted = new AbortController();
    res.once('close', () => { if (!res.writableFinished) aborted.abort(); });
    void (async () => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const body = hasBody ? await readBody(req) : undefined;
      if (hasBody && body === undefined) return writeResponse(res, jsonRpcError(413, `request body over ${MAX_BODY_BYTES} bytes`, { Connection: 'close' }));
      // The path and Host header are all the handler reads from the URL; a fixed origin keeps a hostile Host from breaking URL parsing.
      const request = new Request(new URL(req.url ?? '/', 'http://mcp.invalid'), { method: req.method, headers: toHeaders(req), body, signal: aborted.signal });
      await writeResponse(res, await handler.fetch(request));
    })().catch((err: unknown) => {
      options.onError?.(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent) void writeResponse(res, jsonRpcError(500, 'internal error in the MCP server'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostInUrl}:${port}${MCP_PATH}`,
    port,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
