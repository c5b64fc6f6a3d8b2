import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { createApiClient, createCarbonPlanMcpServer } from '../../../mcp/src/create-server';
import { pathOf } from '../../helpers/receipt-api';
import { EXPECTED_ANNOTATIONS, READ_TOOLS, startMcpStack, textOf, type McpStack } from './mcp-stack';

/** The tools through the SDK's own client, in memory, against the real API on a socket (real HTTP between server and API). */
let stack: McpStack;
const open: Array<() => Promise<void>> = [];

beforeAll(async () => { stack = await startMcpStack({ withReceipt: true }); }, 120_000);
afterEach(async () => { await Promise.all(open.splice(0).map((close) => close())); });
afterAll(async () => { await stack?.close(); });

async function connect(options: { apiKey?: string | null; isWriteAllowed?: boolean } = {}): Promise<Client> {
  const apiKey = options.apiKey === null ? undefined : options.apiKey ?? stack.apiKey;
  const server = createCarbonPlanMcpServer({ api: createApiClient({ apiKey, baseUrl: stack.baseUrl }), isWriteAllowed: options.isWriteAllowed ?? false });
  const client = new Client({ name: 'carbonplan-tests', version: '0.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  open.push(async () => { await client.close(); await server.close(); });
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => await client.callTool({ name, arguments: args }) as CallToolResult;

describe('tools/list', () => {
  it('offers the read-only tools, each with a title, a description, schemas and all four annotations, and no write tool', async () => {
    const { tools } = await (await connect()).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...READ_TOOLS].sort());
    for (const tool of tools) {
      expect({ name: tool.name, annotations: tool.annotations }).toEqual({ name: tool.name, annotations: EXPECTED_ANNOTATIONS.read });
      expect(tool.title).toEqual(expect.any(String));
      expect(tool.description!.length).toBeGreaterThan(150);
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.outputSchema).toMatchObject({ type: 'object' });
    }
  });

  it('adds sync_connection, marked as a non-destructive idempotent write, only when writes are allowed', async () => {
    const { tools } = await (await connect({ isWriteAllowed: true })).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...READ_TOOLS, 'sync_connection'].sort());
    expect(tools.find((t) => t.name === 'sync_connection')!.annotations).toEqual(EXPECTED_ANNOTATIONS.write);
  });

  it('describes inputs from the contracts, with the bounds and formats an agent must respect', async () => {
    const { tools } = await (await connect()).listTools();
    const estimate = tools.find((t) => t.name === 'estimate_emissions')!.inputSchema as any;
    expect(estimate.required.sort()).toEqual(['inputTokens', 'model', 'outputTokens']);
    expect(estimate.properties.inputTokens).toMatchObject({ type: 'integer', minimum: 0, maximum: 10_000_000_000, description: expect.stringContaining('INCLUDING cachedTokens') });
    expect(estimate.properties.provider.enum).toEqual(['openai', 'anthropic', 'openrouter']);
    const summary = tools.find((t) => t.name === 'get_summary')!.inputSchema as any;
    expect(summary.properties.from).toMatchObject({ pattern: expect.any(String), description: expect.stringContaining('YYYY-MM-DD') });
    const verify = tools.find((t) => t.name === 'verify_receipt')!.inputSchema as any;
    expect(Object.keys(verify.properties).sort()).toEqual(['code', 'receipt', 'serial']);
  });
});

describe('estimate_emissions', () => {
  it.each([
    { model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 1000, outputTokens: 1000 },
    { model: 'claude-sonnet-4-20250514', provider: 'anthropic', inputTokens: 10_000, cachedTokens: 8000, cacheWriteTokens: 1000, outputTokens: 500 },
  ])('answers %j without any API key, with exactly the figures of POST /api/v1/estimate', async (input) => {
    const res = await call(await connect({ apiKey: null }), 'estimate_emissions', input);
    const api = await stack.asKey('post', '/api/v1/estimate').send(input);
    expect(api.status).toBe(200);
    expect({ isError: res.isError, structured: res.structuredContent }).toEqual({ isError: undefined, structured: api.body });
    expect(JSON.parse(textOf(res))).toEqual(api.body);
  });

  it('returns the API\'s validation message as a tool error naming the argument', async () => {
    const res = await call(await connect(), 'estimate_emissions', { model: 'gpt-4o', inputTokens: 10, cachedTokens: 20, outputTokens: 1 });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/400 VALIDATION_FAILED: body\.cachedTokens: cachedTokens \+ cacheWriteTokens cannot exceed inputTokens.*Fix the argument cachedTokens/);
  });

  it('refuses arguments outside the contract before any request', async () => {
    const res = await call(await connect(), 'estimate_emissions', { model: 'gpt-4o', inputTokens: -1, outputTokens: 1 });
    expect({ isError: res.isError, text: textOf(res) }).toEqual({ isError: true, text: expect.stringMatching(/inputTokens.*must not be negative/) });
  });
});

describe('organization tools', () => {
  it('get_summary answers what GET /api/v1/telemetry/summary answers, by default and filtered', async () => {
    const client = await connect();
    const whole = await call(client, 'get_summary');
    const api = await stack.asKey('get', '/api/v1/telemetry/summary');
    expect(api.status).toBe(200);
    expect(whole.structuredContent).toEqual(api.body);
    // The control: yesterday's usage is in it, so equality is not between two empty summaries.
    expect(BigInt(api.body.totals.requests)).toBeGreaterThan(0n);

    const filters = { from: '2026-10-01', to: '2026-11-01', model: 'gpt-4o-2024-08-06' };
    const filtered = await call(client, 'get_summary', filters);
    expect(filtered.structuredContent).toEqual((await stack.asKey('get', '/api/v1/telemetry/summary').query(filters)).body);
    expect(filtered.structuredContent).not.toEqual(whole.structuredContent);
  });

  it("list_connections answers the API's connection page; a cursor the API never handed out is a tool error", async () => {
    const res = await call(await connect(), 'list_connections', { limit: 10 });
    expect(res.structuredContent).toEqual((await stack.asKey('get', '/api/v1/connections?limit=10')).body);
    expect((res.structuredContent as any).data.map((c: { id: string }) => c.id)).toContain(stack.connectionId);
    const bad = await call(await connect(), 'list_connections', { cursor: 'not a cursor!' });
    expect(bad.isError).toBe(true);
  });

  it('list_receipts shows the signed receipt, as the API lists it', async () => {
    const res = await call(await connect(), 'list_receipts');
    expect(res.structuredContent).toEqual((await stack.asKey('get', '/api/v1/receipts')).body);
    expect((res.structuredContent as any).data.map((r: { serial: string }) => r.serial)).toEqual([stack.receipt!.serial]);
  });

  it('on a free plan, list_receipts is a tool error with the upgrade link, and other tools keep working', async () => {
    const ds = stack.api.deps.dataSource;
    const [{ org_id: orgId }] = await ds.query(`SELECT org_id FROM provider_connections WHERE id = $1`, [stack.connectionId]);
    await ds.query(`UPDATE organizations SET plan = 'free' WHERE id = $1`, [orgId]);
    try {
      const client = await connect();
      const res = await call(client, 'list_receipts');
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/403 PLAN_REQUIRED: this endpoint needs the pro or enterprise plan.*an organization admin can upgrade at https?:\/\/\S+/);
      expect((await call(client, 'list_connections')).isError).toBeUndefined();
    } finally {
      await ds.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [orgId]);
    }
  });

  it('answers without a key with a tool error that names CARBONPLAN_API_KEY, for every organization tool', async () => {
    const client = await connect({ apiKey: null });
    for (const name of ['get_summary', 'list_connections', 'list_receipts']) {
      const res = await call(client, name);
      expect({ name, isError: res.isError, text: textOf(res) }).toEqual({ name, isError: true, text: expect.stringContaining('CARBONPLAN_API_KEY is not set') });
    }
  });

  it('turns a refused key into a tool error carrying the API\'s message and the fix, and keeps serving', async () => {
    const client = await connect({ apiKey: 'cp_live_not-a-real-key-0000000000000000000000' });
    const res = await call(client, 'get_summary');
    expect(res.isError).toBe(true);
    expect(textOf(res)).toContain('401 UNAUTHENTICATED: API key is invalid or revoked');
    expect(textOf(res)).toContain('CARBONPLAN_API_KEY');
    const after = await call(client, 'estimate_emissions', { model: 'gpt-4o', inputTokens: 10, outputTokens: 5 });
    expect({ isError: after.isError, tier: (after.structuredContent as any)?.tier }).toEqual({ isError: undefined, tier: expect.any(String) });
  });
});

describe('verify_receipt', () => {
  let code: string;
  let receiptFile: Record<string, unknown>;
  beforeAll(async () => {
    const detail = await stack.asKey('get', `/api/v1/receipts/${stack.receipt!.receiptId}`);
    expect(detail.status).toBe(200);
    code = new URL(detail.body.verifyUrl).searchParams.get('code')!;
    receiptFile = (await stack.api.http.get(pathOf(detail.body.verifyUrl))).body;
    expect(receiptFile).toMatchObject({ valid: true, serial: stack.receipt!.serial });
  });

  it('by serial alone: the server\'s verdict and the summary, without any API key', async () => {
    const res = await call(await connect({ apiKey: null }), 'verify_receipt', { serial: stack.receipt!.serial });
    expect(res.structuredContent).toMatchObject({ valid: true, serial: stack.receipt!.serial, server: { valid: true, isFull: false }, offline: null, payload: null, period: { start: '2026-10-01T00:00:00.000Z' } });
  });

  it('by serial and code: the signed payload, re-checked here against the published keys, log proof included', async () => {
    const res = await call(await connect({ apiKey: null }), 'verify_receipt', { serial: stack.receipt!.serial, code });
    expect(res.structuredContent).toMatchObject({
      valid: true, serial: stack.receipt!.serial, server: { valid: true, isFull: true },
      offline: { valid: true, failures: [], log: 'verified' }, payload: { serial: stack.receipt!.serial },
    });
  });

  it('by receipt JSON: verified offline; a tampered copy is not valid and says why', async () => {
    const client = await connect({ apiKey: null });
    const good = await call(client, 'verify_receipt', { receipt: receiptFile });
    expect(good.structuredContent).toMatchObject({ valid: true, server: null, offline: { valid: true, log: 'verified' }, serial: stack.receipt!.serial });
    const payload = receiptFile.payload as Record<string, any>;
    const tampered = { ...receiptFile, payload: { ...payload, totals: { ...payload.totals, co2eKg: { ...payload.totals.co2eKg, central: '0.001' } } } };
    const bad = await call(client, 'verify_receipt', { receipt: tampered });
    expect(bad.isError).toBeUndefined();
    expect(bad.structuredContent).toMatchObject({ valid: false, offline: { valid: false, failures: expect.arrayContaining([expect.stringMatching(/^signature/)]) } });
  });

  it('answers an unknown serial and a wrong call with tool errors that say what to do', async () => {
    const client = await connect();
    const unknown = await call(client, 'verify_receipt', { serial: 'CL-202610-ZZZZZ' });
    expect({ isError: unknown.isError, text: textOf(unknown) }).toEqual({ isError: true, text: expect.stringMatching(/404 NOT_FOUND: receipt not found.*list_receipts/) });
    const neither = await call(client, 'verify_receipt', {});
    expect({ isError: neither.isError, text: textOf(neither) }).toEqual({ isError: true, text: expect.stringContaining('exactly one of serial or receipt') });
  });
});
