// Audit packs in S3 (moto) and on local disk: the builder streams the zip into a multipart upload, the stored object
// is a sound pack ("match"), a presigned link serves it; uploads stream (multipart for large bodies) and a failing
// source leaves nothing behind; two builds of one month at once make one version.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { auditPackKey, LocalAuditPackStorage, S3AuditPackStorage } from '../../../src/services/audit-packs/audit-pack-storage';
import { bucket } from '../../factories/usage';
import { MOTO_CLIENT, useMoto, type MotoEndpoint } from '../secrets/moto-endpoint';
import { recalculate, startPackHarness, unzip, type PackHarness } from './pack-harness';

let h: PackHarness;
let moto: MotoEndpoint;
let client: S3Client;
let s3: S3AuditPackStorage;
const Bucket = `packs-${Date.now()}`;

beforeAll(async () => {
  h = await startPackHarness('carbonplan_audit_pack_storage');
  moto = await useMoto();
  client = new S3Client({ ...MOTO_CLIENT, endpoint: moto.endpoint, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket }));
  s3 = new S3AuditPackStorage({ bucket: Bucket, region: 'us-east-1', endpoint: moto.endpoint }, client);
}, 120_000);
afterAll(async () => {
  await h?.close();
  await moto?.stop();
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ORG = '0b6f3f0e-8d0c-4f43-9a55-2f1b0d7a9c11';

/** `total` bytes of deterministic noise in 64 KB chunks, generated as read (never whole in memory). */
function noise(total: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) { this.destroy(new Error('source failed')); return; }
      if (sent >= total) { this.push(null); return; }
      const chunk = createHash('sha512').update(String(sent)).digest();
      const block = Buffer.concat(Array.from({ length: 1024 }, () => chunk)).subarray(0, Math.min(65_536, total - sent));
      sent += block.length;
      this.push(block);
    },
  });
}

describe('audit pack storage', () => {
  it('builds into S3: the object is a zip that recalculates to "match", and a presigned link serves the same bytes', async () => {
    const tenant = await h.tenant('S3 Org');
    await h.usage(tenant, [bucket({ hour: '2026-07-02T10:00:00Z', inputUncached: 3_000_000, outputTokens: 900_000 }),
      bucket({ hour: '2026-07-03T10:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514' })], '2026-08-01T02:00:00Z');
    const receipt = await h.issuer.issuePeriodReceipt(await h.closePeriod(tenant, '2026-07'));
    await h.pdfs.render(receipt.receiptId);

    const { pack, built } = await h.builder(s3).build({ orgId: tenant.orgId, month: '2026-07' });
    expect(built).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: pack.objectKey }));
    expect({ type: head.ContentType, length: head.ContentLength }).toEqual({ type: 'application/zip', length: Number(pack.bytes) });
    const object = await client.send(new GetObjectCommand({ Bucket, Key: pack.objectKey }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    const zip = await unzip(bytes, h.tmp);
    expect(sha256(zip.read('manifest.json'))).toBe(pack.manifestSha256);
    expect(zip.entries).toContain(`receipts/${receipt.serial}/receipt.pdf`);
    const run = recalculate(zip.dir);
    expect({ last: run.last, output: run.status === 0 ? '' : run.output }).toEqual({ last: 'match', output: '' });

    const url = new URL(await s3.presignedUrl(pack.objectKey, 120));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('streams a large body to S3 as a multipart upload and counts its bytes', async () => {
    const key = auditPackKey(ORG, '2026-01', 1);
    const total = 20 * 1024 * 1024 + 12_345;
    const expected = createHash('sha256');
    for await (const chunk of noise(total)) expected.update(chunk as Buffer);
    expect(await s3.upload(key, noise(total))).toEqual({ bytes: total });
    // A multipart object's ETag is the digest of its parts' digests followed by "-<parts>": 8 MB parts, so 3.
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
    expect(head.ETag).toMatch(/-3"$/);
    const whole = await client.send(new GetObjectCommand({ Bucket, Key: key }));
    expect(sha256(Buffer.from(await whole.Body!.transformToByteArray()))).toBe(expected.digest('hex'));
  });

  it('a source that fails midway leaves no object behind, on S3 and on disk', async () => {
    const key = auditPackKey(ORG, '2026-02', 1);
    await expect(s3.upload(key, noise(30 * 1024 * 1024, 10 * 1024 * 1024))).rejects.toThrow('source failed');
    expect(await s3.exists(key)).toBe(false);

    const dir = path.join(h.tmp, 'local-failing');
    const local = new LocalAuditPackStorage(dir);
    await expect(local.upload(key, noise(4 * 1024 * 1024, 1024 * 1024))).rejects.toThrow('source failed');
    expect(await local.exists(key)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'audit-packs', ORG, '2026-02'))).toEqual([]);
    expect(await local.upload(key, noise(100_000))).toEqual({ bytes: 100_000 });
    expect(fs.statSync(path.join(dir, key)).size).toBe(100_000);
  });

  it('refuses keys outside audit-packs/{orgId}/{YYYY-MM}/v{N}.zip', async () => {
    const local = new LocalAuditPackStorage(path.join(h.tmp, 'local-keys'));
    for (const key of ['../escape.zip', `audit-packs/${ORG}/2026-13/v1.zip`, `audit-packs/${ORG}/2026-01/v0.zip`, `audit-packs/../${ORG}/2026-01/v1.zip`]) {
      await expect(local.read(key)).rejects.toThrow();
      await expect(local.upload(key, Readable.from([randomBytes(10)]))).rejects.toThrow();
    }
    expect(() => auditPackKey('not-a-uuid', '2026-01', 1)).toThrow();
  });

  it('two builds of the same month at once make one version; the second finds it', async () => {
    const tenant = await h.tenant('Racing Org');
    await h.usage(tenant, [bucket({ hour: '2026-09-02T10:00:00Z' })], '2026-10-01T00:00:00Z');
    const results = await Promise.all([h.builder().build({ orgId: tenant.orgId, month: '2026-09' }), h.builder().build({ orgId: tenant.orgId, month: '2026-09' })]);
    expect(results.map((r) => r.built).sort()).toEqual([false, true]);
    expect(results[0].pack.id).toBe(results[1].pack.id);
    const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM audit_packs WHERE org_id = $1`, [tenant.orgId]);
    expect(n).toBe(1);
  });
});
