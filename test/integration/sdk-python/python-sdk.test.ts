// The Python SDK (sdk/python) against the real API: this test seeds an organization on the pro plan with an API
// key, usage in two months, two issued receipts (signed, credited, in the public log) and a stored PDF, plus a
// free organization with its own key; serves the app on an ephemeral 127.0.0.1 port; then runs the SDK's pytest
// suite (unit and live tests) and mypy --strict from the venv scripts/install-tools.sh builds. Both must exit 0.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ROUTES } from '../../../src/http/routes';
import { createReceiptStorage } from '../../../src/receipts/pdf/receipt-storage';
import { storeRenderedPdf } from '../../factories/receipts';
import { startStripeFake, type StripeFake } from '../../fakes/stripe.fake';
import { createClerkTestKeys, mintClerkToken } from '../../helpers/clerk';
import { startReceiptApi, type ReceiptApi } from '../../helpers/receipt-api';
import { SHARED_VECTORS_DIR } from '../../helpers/shared-vectors';

const root = path.resolve(__dirname, '../../..');
const sdkDir = path.join(root, 'sdk/python');
const venvBin = path.join(root, '.tools/sdk-python-venv/bin');
const keys = createClerkTestKeys();

let env: ReceiptApi;
let stripe: StripeFake;
let server: Server;

interface Run { code: number; output: string }

/** Runs a venv tool in sdk/python; resolves with its exit code and combined output (never rejects on failure). */
function runTool(tool: string, args: string[], extraEnv: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(venvBin, tool), args, {
      cwd: sdkDir,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      // Caches outside the work tree's tracked files: .tools/ is git-ignored.
      env: { ...process.env, ...extraEnv, PYTHONDONTWRITEBYTECODE: '1', MYPY_CACHE_DIR: path.join(root, '.tools/sdk-python-mypy-cache') },
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && code === -1 ? String(err) : ''}` });
    });
  });
}

/** An organization API key, created through the API by a signed-in admin as a user would. */
async function createApiKey(clerkOrgId: string): Promise<string> {
  const admin = `Bearer ${mintClerkToken(keys, { orgId: clerkOrgId, orgRole: 'admin' })}`;
  const res = await env.api.http.post('/api/v1/api-keys').set('Authorization', admin).send({ name: 'python sdk test' });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { key: expect.any(String) } });
  return res.body.key as string;
}

/**
 * A stored audit-pack version of `orgId` (random bytes: the SDK only moves them), when the audit-pack routes are
 * mounted. Issue 12 lands those routes, their config and test factory alongside this SDK, so they are loaded by path
 * at run time: this file type-checks and runs whether or not they are in the tree yet.
 */
async function seedAuditPack(orgId: string): Promise<string | undefined> {
  if (!ROUTES.some((r) => r.path === '/api/v1/audit-packs/:id/download')) return undefined;
  // A computed path: a static import would not compile while those files are not in the tree.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (file: string) => require(path.join(root, file)) as Record<string, (...args: unknown[]) => unknown>;
  const { storeAuditPack } = load('test/factories/audit-packs');
  const { createAuditPackStorage } = load('src/services/audit-packs/audit-pack-storage');
  const config = env.api.deps.config as unknown as { auditPacks: unknown; aws: unknown };
  const pack = await storeAuditPack(env.api.deps.dataSource, createAuditPackStorage(config.auditPacks, config.aws), orgId, '2026-09', 1) as { id: string };
  return pack.id;
}

beforeAll(async () => {
  if (!existsSync(path.join(venvBin, 'pytest')) || !existsSync(path.join(venvBin, 'mypy'))) {
    throw new Error(`the Python SDK venv is missing (${venvBin}): run \`bash scripts/install-tools.sh\` (npm test does it for you)`);
  }
  // Billing status needs Stripe settings (the Stripe fake); nothing here calls Stripe.
  stripe = await startStripeFake();
  env = await startReceiptApi(keys, 'carbonplan_sdk_python', { ...stripe.env(), RATE_LIMIT_API_PER_MINUTE: '100000' });
  server = await new Promise<Server>((resolve) => { const s = env.api.app.listen(0, '127.0.0.1', () => resolve(s)); });
}, 90_000);

afterAll(async () => {
  try {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await env?.close();
  } finally {
    await stripe?.close();
  }
});

describe('Python SDK (sdk/python)', () => {
  it('passes its pytest suite against the running API, and mypy --strict', async () => {
    const paid = await env.org('Python SDK Org', 'pro');
    await env.issue(paid, '2026-09');
    const october = await env.issue(paid, '2026-10');
    await storeRenderedPdf(env.api.deps.dataSource, createReceiptStorage(env.api.deps.config.receipts, env.api.deps.config.aws), { id: october.receiptId, serial: october.serial }, paid.orgId);
    const auditPackId = await seedAuditPack(paid.orgId);
    const free = await env.org('Python SDK Free Org', 'free');
    const { port } = server.address() as AddressInfo;

    const stackEnv = {
      CARBONPLAN_BASE_URL: `http://127.0.0.1:${port}`,
      CARBONPLAN_API_KEY: await createApiKey(paid.clerkOrgId),
      CARBONPLAN_TEST_FREE_API_KEY: await createApiKey(free.clerkOrgId),
      CARBONPLAN_TEST_RECEIPT_ID: october.receiptId,
      CARBONPLAN_TEST_FROM: '2026-09-01',
      CARBONPLAN_TEST_TO: '2026-11-01',
      CARBONPLAN_TEST_REQUIRE_LIVE: '1',
      CARBONPLAN_SHARED_VECTORS: SHARED_VECTORS_DIR,
      ...(auditPackId ? { CARBONPLAN_TEST_AUDIT_PACK_ID: auditPackId } : {}),
    };
    const [pytest, mypy] = await Promise.all([
      runTool('pytest', ['-q', '-p', 'no:cacheprovider', '-rfEs'], stackEnv),
      runTool('mypy', [], {}),
    ]);
    if (pytest.code !== 0) console.log(`pytest exited ${pytest.code}:\n${pytest.output}`);
    if (mypy.code !== 0) console.log(`mypy exited ${mypy.code}:\n${mypy.output}`);
    expect({ pytest: pytest.code, mypy: mypy.code }).toEqual({ pytest: 0, mypy: 0 });
    // Every live test ran: none skipped for want of the stack.
    expect(pytest.output).toMatch(/\d+ passed/);
    expect(pytest.output).not.toMatch(/skipped/);
  }, 180_000);
});
