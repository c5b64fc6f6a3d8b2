import type { CallToolResult } from '@modelcontextprotocol/client';
import { connectStdio, EXPECTED_ANNOTATIONS, READ_TOOLS, removeMcpBin, runBin, startLimitedApi, startMcpStack, textOf, type McpStack } from './mcp-stack';

/** The server in its own process over real stdio, started as `npx carbonplan-mcp` starts it, against the real API. */
let stack: McpStack;
let limited: { baseUrl: string; close(): Promise<void> };
const open: Array<() => Promise<void>> = [];

beforeAll(async () => { [stack, limited] = await Promise.all([startMcpStack(), startLimitedApi(2)]); }, 120_000);
afterEach(async () => { await Promise.all(open.splice(0).map((close) => close())); });
afterAll(async () => { removeMcpBin(); await Promise.all([stack?.close(), limited?.close()]); });

async function start(env: Record<string, string>, args: string[] = []) {
  const connection = await connectStdio(env, args);
  open.push(() => connection.client.close());
  const call = async (name: string, args: Record<string, unknown> = {}) => await connection.client.callTool({ name, arguments: args }) as CallToolResult;
  return { ...connection, call };
}

it('serves the read-only tools with every annotation, and answers as the API does', async () => {
  const { client, call, stderr } = await start({ CARBONPLAN_API_KEY: stack.apiKey, CARBONPLAN_BASE_URL: stack.baseUrl });
  const { tools } = await client.listTools();
  expect(tools.map((t) => [t.name, t.annotations])).toEqual(READ_TOOLS.map((name) => [name, EXPECTED_ANNOTATIONS.read]));

  const input = { model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 2000, cachedTokens: 500, outputTokens: 300 };
  expect((await call('estimate_emissions', input)).structuredContent).toEqual((await stack.asKey('post', '/api/v1/estimate').send(input)).body);
  const summary = await stack.asKey('get', '/api/v1/telemetry/summary');
  expect(BigInt(summary.body.totals.requests)).toBeGreaterThan(0n);
  expect((await call('get_summary')).structuredContent).toEqual(summary.body);
  // Logs go to stderr: stdout carries only protocol messages (the exchange above would have broken otherwise).
  expect(stderr()).toContain(`on stdio, API ${stack.baseUrl}`);
}, 60_000);

it('with --allow-writes, syncs a connection once and then reports the 5-minute limit with the wait', async () => {
  const { client, call } = await start({ CARBONPLAN_API_KEY: stack.apiKey, CARBONPLAN_BASE_URL: stack.baseUrl }, ['--allow-writes']);
  const sync = (await client.listTools()).tools.find((t) => t.name === 'sync_connection');
  expect(sync?.annotations).toEqual(EXPECTED_ANNOTATIONS.write);

  const first = await call('sync_connection', { connectionId: stack.connectionId });
  expect({ isError: first.isError, result: first.structuredContent }).toEqual({ isError: undefined, result: { connectionId: stack.connectionId, status: 'sync_requested', requestedAt: expect.any(String) } });
  const [row] = await stack.api.deps.dataSource.query(`SELECT last_manual_sync_at FROM provider_connections WHERE id = $1`, [stack.connectionId]);
  expect(row.last_manual_sync_at).not.toBeNull();

  const second = await call('sync_connection', { connectionId: stack.connectionId });
  expect(second.isError).toBe(true);
  expect(textOf(second)).toMatch(/429 RATE_LIMITED: a sync was requested less than 5 minutes ago; retry in \d+ s.*Retry after (\d+) seconds/);
  const wait = Number(/Retry after (\d+) seconds/.exec(textOf(second))![1]);
  expect(wait).toBeGreaterThan(240);
  expect(wait).toBeLessThanOrEqual(300);
  // Still serving.
  expect((await call('list_connections')).isError).toBeUndefined();
}, 60_000);

it('answers a refused key with a tool error carrying the API\'s message, and keeps running', async () => {
  const { call, transport } = await start({ CARBONPLAN_API_KEY: 'cp_live_revoked-or-never-issued-000000000000000', CARBONPLAN_BASE_URL: stack.baseUrl });
  const res = await call('list_connections');
  expect(res.isError).toBe(true);
  expect(textOf(res)).toMatch(/401 UNAUTHENTICATED: API key is invalid or revoked.*CARBONPLAN_API_KEY/);
  const after = await call('estimate_emissions', { model: 'gpt-4o', inputTokens: 1, outputTokens: 1 });
  expect(after.isError).toBeUndefined();
  expect(() => process.kill(transport.pid!, 0)).not.toThrow();
}, 60_000);

it('past the API\'s rate limit, answers with a tool error saying when to retry', async () => {
  const { call } = await start({ CARBONPLAN_BASE_URL: limited.baseUrl });
  const input = { model: 'gpt-4o', inputTokens: 1, outputTokens: 1 };
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await call('estimate_emissions', input));
  expect(results.map((r) => r.isError)).toEqual([undefined, undefined, true]);
  expect(textOf(results[2])).toMatch(/429 RATE_LIMITED: rate limit of 2 requests per minute exceeded.*Retry after \d+ seconds \(not before \d{4}-\d\d-\d\dT/);
}, 60_000);

describe('start-up', () => {
  it.each([
    [['--allow-writes'], {}, /--allow-writes needs CARBONPLAN_API_KEY/],
    [[], { CARBONPLAN_BASE_URL: 'not a url' }, /CARBONPLAN_BASE_URL="not a url" is not a URL/],
    [['--http', 'eighty'], {}, /--http needs a port number/],
    [['--host', '0.0.0.0'], {}, /--host applies to --http PORT only/],
    [['--verbose'], {}, /unknown argument --verbose/],
  ])('%j %j stops with exit code 2 and says what to fix', async (args, env, message) => {
    const run = await runBin(args, env);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: carbonplan-mcp');
  });

  it('starts without a key but warns which variable to set', async () => {
    const { stderr, call } = await start({ CARBONPLAN_BASE_URL: stack.baseUrl });
    expect(stderr()).toContain('warning: CARBONPLAN_API_KEY is not set');
    expect((await call('get_summary')).isError).toBe(true);
  });
});
