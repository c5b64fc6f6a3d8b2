import { request as httpRequest } from 'node:http';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { EXPECTED_ANNOTATIONS, READ_TOOLS, removeMcpBin, startHttpBin, startLimitedApi, startMcpStack, textOf, type McpStack } from './mcp-stack';

/** `carbonplan-mcp --http PORT` in its own process, over real Streamable HTTP, against the real API. */
let stack: McpStack;
let limited: { baseUrl: string; close(): Promise<void> };
let server: Awaited<ReturnType<typeof startHttpBin>>;
const open: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [stack, limited] = await Promise.all([startMcpStack(), startLimitedApi(2)]);
  server = await startHttpBin({ CARBONPLAN_API_KEY: stack.apiKey, CARBONPLAN_BASE_URL: stack.baseUrl });
}, 120_000);
afterEach(async () => { await Promise.all(open.splice(0).map((close) => close())); });
afterAll(async () => { await server?.stop(); removeMcpBin(); await Promise.all([stack?.close(), limited?.close()]); });

async function connect(url: string, era: 'legacy' | 'modern' = 'legacy') {
  // The default client speaks the 2025 protocol, as desktop clients do today; 'auto' negotiates 2026-07-28.
  const client = new Client({ name: 'carbonplan-tests', version: '0.0.0' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
  const contentTypes: string[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (init?.method === 'POST') contentTypes.push(res.headers.get('content-type') ?? `(none, ${res.status})`);
    return res;
  };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: recording }));
  open.push(() => client.close());
  const call = async (name: string, args: Record<string, unknown> = {}) => await client.callTool({ name, arguments: args }) as CallToolResult;
  return { client, call, contentTypes };
}

/** A raw request with headers fetch would not let us forge (Host). */
function raw(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

it.each(['legacy', 'modern'] as const)('serves a %s-era client: read-only tools with every annotation, answers equal to the API\'s', async (era) => {
  const { client, call, contentTypes } = await connect(server.url, era);
  expect(client.getProtocolEra()).toBe(era);
  const { tools } = await client.listTools();
  expect(tools.map((t) => [t.name, t.annotations])).toEqual(READ_TOOLS.map((name) => [name, EXPECTED_ANNOTATIONS.read]));

  const input = { model: 'claude-sonnet-4-20250514', provider: 'anthropic', inputTokens: 5000, cachedTokens: 4000, outputTokens: 700, reasoningTokens: 200 };
  expect((await call('estimate_emissions', input)).structuredContent).toEqual((await stack.asKey('post', '/api/v1/estimate').send(input)).body);
  const summary = await stack.asKey('get', '/api/v1/telemetry/summary');
  expect(BigInt(summary.body.totals.requests)).toBeGreaterThan(0n);
  expect((await call('get_summary')).structuredContent).toEqual(summary.body);
  // Plain JSON answers in both eras, never an event stream (notifications get 202 without a body).
  const answered = contentTypes.filter((t) => t !== '(none, 202)');
  expect(answered.length).toBeGreaterThanOrEqual(3);
  expect(answered.filter((t) => !t.startsWith('application/json'))).toEqual([]);
});

it('is stateless with plain JSON answers: no session id, no event stream; GET, other paths and bodies over 4 MiB refused', async () => {
  expect(new URL(server.url)).toMatchObject({ hostname: '127.0.0.1', pathname: '/mcp' });
  const init = await raw(server.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
  expect({ status: init.status, type: init.headers['content-type'], session: init.headers['mcp-session-id'] }).toEqual({ status: 200, type: expect.stringMatching(/^application\/json/), session: undefined });
  expect(JSON.parse(init.body)).toMatchObject({ id: 1, result: { serverInfo: { name: 'carbonplan' } } });
  // Any request stands alone: tools/list without a prior initialize on this "connection".
  const list = await raw(server.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  expect(JSON.parse(list.body).result.tools.map((t: { name: string }) => t.name).sort()).toEqual([...READ_TOOLS].sort());
  expect((await raw(server.url, { method: 'GET', headers: { accept: 'text/event-stream' } })).status).toBe(405);
  expect((await raw(server.url.replace('/mcp', '/other'), { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(404);
  const huge = await raw(server.url, { method: 'POST', headers: MCP_HEADERS, body: `{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}}` });
  expect({ status: huge.status, body: JSON.parse(huge.body) }).toMatchObject({ status: 413, body: { error: { message: expect.stringContaining('request body over') } } });
});

it('refuses a foreign Host (DNS rebinding) and a foreign browser Origin', async () => {
  const ok = await raw(server.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'http://localhost:5173' }, body: INITIALIZE });
  expect(ok.status).toBe(200);
  expect((await raw(server.url, { method: 'POST', headers: { ...MCP_HEADERS, host: 'attacker.example' }, body: INITIALIZE })).status).toBe(403);
  expect((await raw(server.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'https://attacker.example' }, body: INITIALIZE })).status).toBe(403);
});

it('with a refused key and --allow-writes: sync_connection is offered, and errors are tool errors with the API\'s message while serving goes on', async () => {
  const bad = await startHttpBin({ CARBONPLAN_API_KEY: 'cp_live_revoked-or-never-issued-000000000000000', CARBONPLAN_BASE_URL: stack.baseUrl }, ['--allow-writes']);
  try {
    const { client, call } = await connect(bad.url);
    expect((await client.listTools()).tools.find((t) => t.name === 'sync_connection')?.annotations).toEqual(EXPECTED_ANNOTATIONS.write);
    for (const [name, args] of [['get_summary', {}], ['sync_connection', { connectionId: stack.connectionId }]] as const) {
      const res = await call(name, args);
      expect({ name, isError: res.isError, text: textOf(res) }).toEqual({ name, isError: true, text: expect.stringMatching(/401 UNAUTHENTICATED: API key is invalid or revoked.*CARBONPLAN_API_KEY/) });
    }
    expect((await call('estimate_emissions', { model: 'gpt-4o', inputTokens: 1, outputTokens: 1 })).isError).toBeUndefined();
    expect(() => process.kill(bad.pid, 0)).not.toThrow();
  } finally {
    await bad.stop();
  }
});

it('past the API\'s rate limit, answers with a tool error saying when to retry', async () => {
  const throttled = await startHttpBin({ CARBONPLAN_BASE_URL: limited.baseUrl });
  try {
    const { call } = await connect(throttled.url);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await call('verify_receipt', { serial: 'CL-202610-ZZZZZ' }));
    expect(results.map((r) => textOf(r).match(/^The CarbonPlan API answered (\d+)/)?.[1])).toEqual(['404', '404', '429']);
    expect(textOf(results[2])).toMatch(/rate limit of 2 requests per minute exceeded.*Retry after \d+ seconds/);
  } finally {
    await throttled.stop();
  }
});
