import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client, type CallToolResult } from '@modelcontextprotocol/client';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../../helpers/clerk';
import { testConfig } from '../../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../helpers/provider-fakes';
import { startReceiptApi } from '../../helpers/receipt-api';
import type { IssuedReceipt } from '../../../src/services/receipts/receipt-issuer';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { bucket } from '../../factories/usage';

export const ROOT = path.resolve(__dirname, '../../..');

let bundled: string | undefined;
/**
 * The server's entry point (mcp/src/bin.ts) bundled once per test file with esbuild into a temporary directory,
 * packages left external and found through NODE_PATH: a process then starts in well under a second, where
 * ts-node took 2-6 s per start on the shared machine.
 */
export function mcpBin(): string {
  if (bundled) return bundled;
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'carbonplan-mcp-')), 'bin.js');
  buildSync({ entryPoints: [path.join(ROOT, 'mcp/src/bin.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  bundled = outfile;
  return outfile;
}
/** Deletes the bundle (afterAll of the files that spawn the server). */
export function removeMcpBin(): void {
  if (bundled) rmSync(path.dirname(bundled), { recursive: true, force: true });
  bundled = undefined;
}
/** What the child gets besides the variables under test: PATH, and where the bundle's packages are. */
const baseEnv = () => ({ PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules') });

export interface McpStack {
  api: TestApi;
  /** The API listening on 127.0.0.1, as CARBONPLAN_BASE_URL. */
  baseUrl: string;
  /** An organization API key (cp_test_…) of the stack's organization, as CARBONPLAN_API_KEY. */
  apiKey: string;
  /** A connection of the organization (OpenAI fake), active, with usage yesterday. */
  connectionId: string;
  /** With `withReceipt`: a period receipt issued, signed and logged for 2026-10 (the organization is on pro). */
  receipt?: IssuedReceipt;
  /** GET/POST the API as the organization's API key (to compare with what the tools answer). */
  asKey(method: 'get' | 'post', path: string): ReturnType<TestApi['http']['get']>;
  close(): Promise<void>;
}

/**
 * The real API on 127.0.0.1 (real Postgres and Temporal; provider fakes for the connection) with one organization:
 * an API key, a connection with usage and, on a scratch database, a signed receipt in the public log.
 */
export async function startMcpStack(options: { env?: Record<string, string>; withReceipt?: boolean } = {}): Promise<McpStack> {
  const keys = createClerkTestKeys();
  const fakes: ProviderFakes = await startProviderFakes();
  const env = { ...fakes.env, RATE_LIMIT_API_PER_MINUTE: '10000', ...options.env };
  let api: TestApi;
  let clerkOrgId: string;
  let receipt: IssuedReceipt | undefined;
  let closeApi: () => Promise<void>;
  if (options.withReceipt) {
    const receiptApi = await startReceiptApi(keys, 'carbonplan_mcp', env);
    const tenant = await receiptApi.org('MCP Org', 'pro');
    receipt = await receiptApi.issue(tenant, '2026-10');
    ({ api } = receiptApi);
    clerkOrgId = tenant.clerkOrgId;
    closeApi = () => receiptApi.close();
  } else {
    api = await startTestApi(testConfig(env, keys));
    clerkOrgId = `org_mcp_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    closeApi = () => api.close();
  }
  const admin = `Bearer ${mintClerkToken(keys, { orgId: clerkOrgId, orgRole: 'admin' })}`;
  const key = await api.http.post('/api/v1/api-keys').set('Authorization', admin).send({ name: 'mcp tests', environment: 'test' });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${JSON.stringify(key.body)}`);
  const apiKey = key.body.key as string;
  const conn = await api.http.post('/api/v1/connections').set('Authorization', `Bearer ${apiKey}`).send({ provider: 'openai', apiKey: GOOD_KEYS.openai, name: 'mcp openai' });
  if (conn.status !== 201) throw new Error(`connection: ${conn.status} ${JSON.stringify(conn.body)}`);
  const [row] = await api.deps.dataSource.query(`SELECT org_id, project_id FROM provider_connections WHERE id = $1`, [conn.body.id]);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 13) + ':00:00Z';
  await new IngestService(api.deps.dataSource, new FactorSetRepository(api.deps.dataSource))
    .ingest({ id: conn.body.id, orgId: row.org_id, projectId: row.project_id, provider: 'openai' }, [bucket({ hour: yesterday, model: 'gpt-4o-2024-08-06' })]);

  const server: Server = createServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    api,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiKey,
    connectionId: conn.body.id,
    receipt,
    asKey: (method, p) => api.http[method](p).set('Authorization', `Bearer ${apiKey}`),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeApi();
      await fakes.close();
    },
  };
}

/** A second API whose per-IP limit on /public is `perMinute`, listening on 127.0.0.1: to run a tool into the limit. */
export async function startLimitedApi(perMinute: number): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const api = await startTestApi(testConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: String(perMinute) }));
  const server: Server = createServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}

/** Runs the server binary to its exit (start-up errors), with only the environment given here. */
export function runBin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mcpBin(), ...args], { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** `carbonplan-mcp --http 0 …` in its own process: the URL it prints once listening, and a stop that waits for its exit. */
export async function startHttpBin(env: Record<string, string>, args: string[] = []): Promise<{ url: string; pid: number; stderr: () => string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [mcpBin(), '--http', '0', ...args], { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 20 s; stderr: ${stderr}`)), 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error(`exited before listening: ${stderr}`)); });
  });
  return { url, pid: child.pid!, stderr: () => stderr, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

/** The MCP server as a desktop client starts it: its own process on stdio, with only the environment given here. */
export async function connectStdio(env: Record<string, string>, args: string[] = []): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpBin(), ...args],
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const client = new Client({ name: 'carbonplan-tests', version: '0.0.0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** The text of a tool result (errors are text only). */
export const textOf = (result: CallToolResult | Record<string, unknown>) =>
  ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

export const EXPECTED_ANNOTATIONS = {
  read: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  write: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};
export const READ_TOOLS = ['estimate_emissions', 'get_summary', 'list_connections', 'list_receipts', 'verify_receipt'];
