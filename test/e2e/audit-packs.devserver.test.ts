// An audit pack asked for through the API and built by the real worker on the run's dev server: the API and the
// worker share one config (database, task queue, pack folder, secret store), as the API and worker processes do.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { AuditPackResult } from '../../contracts/workflows';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { binary } from '../helpers/audit-pack-api';
import { startReceiptApi, type ReceiptApi } from '../helpers/receipt-api';
import { installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { recalculate, unzip } from '../integration/audit-packs/pack-harness';

const keys = createClerkTestKeys();
const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-e2e-packs-'));
let env: ReceiptApi;
let worker: TestWorker;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  installQuietRuntime();
  env = await startReceiptApi(keys, 'carbonplan_pack_e2e', { AUDIT_PACK_LOCAL_DIR: packDir, AUDIT_PACK_STORAGE: 'local', RECEIPT_STORAGE: 'local' });
  worker = await startTestWorker(env.api.deps.config);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await env?.close();
  fs.rmSync(packDir, { recursive: true, force: true });
});

describe('audit packs through the API and the worker', () => {
  it('POST builds the month\'s pack, which the list shows and the download serves; asking again keeps the one version', async () => {
    const org = await env.org('Packed Org', 'pro');
    await env.issue(org, '2025-04');
    const admin = `Bearer ${mintClerkToken(keys, { orgId: org.clerkOrgId, orgRole: 'admin' })}`;
    const http = env.api.http;

    const before = await http.get('/api/v1/audit-packs').set('Authorization', org.member);
    expect({ status: before.status, data: before.body.data }).toEqual({ status: 200, data: [] });

    const requested = await http.post('/api/v1/audit-packs').set('Authorization', admin).send({ month: '2025-04' });
    expect({ status: requested.status, body: requested.body }).toMatchObject({ status: 202, body: { workflowId: `audit-pack:${org.orgId}:2025-04` } });
    const built: AuditPackResult = await client.workflow.getHandle(requested.body.workflowId).result();
    expect(built).toMatchObject({ month: '2025-04', version: 1, built: true });

    const listed = await http.get('/api/v1/audit-packs').set('Authorization', org.member);
    expect({ status: listed.status, body: listed.body }).toMatchObject({ status: 200, body: { nextCursor: null } });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: built.packId, month: '2025-04', version: 1, manifestSha256: built.manifestSha256, receipts: 1 })]);
    expect(listed.body.data[0].events).toBeGreaterThan(0);

    const zip = await http.get(listed.body.data[0].downloadUrl).set('Authorization', org.member).buffer(true).parse(binary);
    expect({ status: zip.status, disposition: zip.headers['content-disposition'] }).toEqual({ status: 200, disposition: 'attachment; filename="carbonplan-audit-pack-2025-04-v1.zip"' });
    expect((zip.body as Buffer).length).toBe(listed.body.data[0].bytes);
    const pack = await unzip(zip.body as Buffer, packDir);
    expect(createHash('sha256').update(pack.read('manifest.json')).digest('hex')).toBe(built.manifestSha256);
    expect(recalculate(pack.dir).last).toBe('match');

    // Nothing changed since: the second request's run finds the latest version's inputs unchanged.
    const again = await http.post('/api/v1/audit-packs').set('Authorization', admin).send({ month: '2025-04' });
    expect(again.status).toBe(202);
    const second: AuditPackResult = await client.workflow.getHandle(again.body.workflowId).result();
    expect(second).toMatchObject({ packId: built.packId, version: 1, built: false });
    const still = await http.get('/api/v1/audit-packs').set('Authorization', org.member);
    expect(still.body.data.map((p: { id: string }) => p.id)).toEqual([built.packId]);
  }, 120_000);
});
