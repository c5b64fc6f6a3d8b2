import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, signBytes, signPayload, type Ed25519KeyPair } from '../../../src/receipts/ed25519';
import { runVerify } from '../../../src/receipts/verify-cli';
import { verifyReceiptFile, type PinnedKey } from '../../../src/receipts/verify-receipt';
import { signCheckpoint } from '../../../src/transparency-log/checkpoint';
import { leafHashOfPayload, MemoryTree } from '../../../src/transparency-log/merkle';
import { buildReceiptPayload } from '../../factories/receipt-payload';

const thumbprint = (pub: Uint8Array) => {
  const x = Buffer.from(pub).toString('base64url');
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
};
const jwk = (pair: Ed25519KeyPair, purpose: 'receipt' | 'log', extra: Partial<PinnedKey> = {}): PinnedKey => ({
  kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pair.publicKey).toString('base64url'), kid: thumbprint(pair.publicKey), purpose,
  createdAt: '2026-01-01T00:00:00.000Z', retiredAt: null, revokedAt: null, ...extra,
});

const receiptKey = generateKeyPair();
const logKey = generateKeyPair();
const otherKey = generateKeyPair();
const keys = [jwk(receiptKey, 'receipt'), jwk(logKey, 'log'), jwk(otherKey, 'receipt')];
const ORIGIN = 'carbonplan.test/log';

function issue(payloadOverrides = {}) {
  const payload = buildReceiptPayload({ keyId: thumbprint(receiptKey.publicKey), ...payloadOverrides });
  const signed = signPayload(payload, receiptKey.secretKey);
  return { valid: true, serial: payload.serial, payload, ...signed, keyId: payload.keyId, publicKey: keys[0].x };
}

async function withLog(file: ReturnType<typeof issue>, index = 2) {
  const tree = new MemoryTree();
  for (let i = 0; i < 5; i++) tree.append(i === index ? leafHashOfPayload(file.payloadSha256) : randomBytes(32));
  const signer = { publicKey: logKey.publicKey, sign: async (m: Uint8Array) => ({ keyId: 'log', signature: signBytes(m, logKey.secretKey) }) };
  const checkpoint = await signCheckpoint({ origin: ORIGIN, treeSize: 5, root: tree.root() }, ORIGIN, signer);
  return { ...file, log: { index, treeSize: 5, inclusionProof: tree.inclusionProof(index).map((h) => h.toString('base64')), checkpoint } };
}

/** Every leaf of a JSON value, as a path and a changed value of the same type. */
function tamperings(value: unknown, at: string[] = []): { path: string[]; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => tamperings(v, [...at, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => tamperings(v, [...at, k]));
  const changed = typeof value === 'string' ? (/^\d/.test(value) && !value.includes('-') ? `${value}1` : value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))) : typeof value === 'number' ? value + 1 : value === null ? 'CL-202611-AAAAA' : !value;
  return [{ path: at, value: changed }];
}
function setPath(obj: unknown, p: string[], v: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let cur = copy as Record<string, unknown>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[p[p.length - 1]] = v;
  return copy;
}

describe('verifyReceiptFile', () => {
  it('accepts a genuine receipt and its log inclusion', async () => {
    expect(verifyReceiptFile(issue(), keys)).toMatchObject({ isValid: true, failures: [], log: 'absent' });
    expect(verifyReceiptFile(await withLog(issue()), keys)).toMatchObject({ isValid: true, failures: [], log: 'verified' });
  });

  it('refuses every tampered payload field', () => {
    const file = issue();
    const cases = tamperings(file.payload);
    expect(cases.length).toBeGreaterThan(40);
    for (const t of cases) {
      const tampered = { ...file, payload: setPath(file.payload, t.path, t.value) };
      const result = verifyReceiptFile(tampered, keys);
      expect({ path: t.path.join('.'), isValid: result.isValid }).toEqual({ path: t.path.join('.'), isValid: false });
    }
  });

  it('refuses a changed signature, key id, canonical or digest, and never trusts a key inside the file', () => {
    const file = issue();
    const sig = Buffer.from(file.signature, 'base64url');
    sig[10] ^= 1;
    expect(verifyReceiptFile({ ...file, signature: sig.toString('base64url') }, keys).failures).toEqual([expect.stringMatching(/^signature: /)]);
    expect(verifyReceiptFile({ ...file, keyId: keys[2].kid }, keys).isValid).toBe(false);
    // Signed key id changed to another pinned key: the signature no longer matches (the key id is signed).
    expect(verifyReceiptFile({ ...file, payload: { ...file.payload, keyId: keys[2].kid }, keyId: keys[2].kid }, keys).isValid).toBe(false);
    expect(verifyReceiptFile({ ...file, canonical: file.canonical.replace('Acme', 'Acmf') }, keys).failures).toEqual([expect.stringMatching(/canonical/)]);
    expect(verifyReceiptFile({ ...file, payloadSha256: '0'.repeat(64) }, keys).failures).toEqual([expect.stringMatching(/payloadSha256/)]);
    // A forger's own key, named inside the file, is not pinned.
    const forger = generateKeyPair();
    const forged = signPayload({ ...file.payload, keyId: thumbprint(forger.publicKey) }, forger.secretKey);
    expect(verifyReceiptFile({ ...file, ...forged, payload: { ...file.payload, keyId: thumbprint(forger.publicKey) }, keyId: thumbprint(forger.publicKey), publicKey: Buffer.from(forger.publicKey).toString('base64url') }, keys).failures)
      .toEqual([expect.stringMatching(/not among the pinned keys/)]);
  });

  it('applies the key window: revoked before issuance invalid, after it valid with a warning', () => {
    const file = issue();
    const revokedLater = [jwk(receiptKey, 'receipt', { revokedAt: '2027-01-01T00:00:00.000Z' })];
    expect(verifyReceiptFile(file, revokedLater)).toMatchObject({ isValid: true, warnings: [expect.stringMatching(/revoked/)] });
    const revokedBefore = [jwk(receiptKey, 'receipt', { revokedAt: '2026-12-01T00:00:00.000Z' })];
    expect(verifyReceiptFile(file, revokedBefore)).toMatchObject({ isValid: false, failures: [expect.stringMatching(/revoked/)] });
    const retired = [jwk(receiptKey, 'receipt', { retiredAt: '2026-12-02T00:00:00.000Z' })];
    expect(verifyReceiptFile(file, retired).isValid).toBe(false);
    const retiredAfter = [jwk(receiptKey, 'receipt', { retiredAt: '2027-01-01T00:00:00.000Z' })];
    expect(verifyReceiptFile(file, retiredAfter)).toMatchObject({ isValid: true, warnings: [] });
  });

  it('refuses a log section that does not hold up', async () => {
    const file = await withLog(issue());
    const badProof = { ...file, log: { ...file.log, inclusionProof: [...file.log.inclusionProof].reverse() } };
    expect(verifyReceiptFile(badProof, keys)).toMatchObject({ isValid: false, log: 'failed' });
    expect(verifyReceiptFile({ ...file, log: { ...file.log, index: 3 } }, keys).isValid).toBe(false);
    expect(verifyReceiptFile({ ...file, log: { ...file.log, treeSize: 6 } }, keys).isValid).toBe(false);
    expect(verifyReceiptFile({ ...file, log: { ...file.log, checkpoint: file.log.checkpoint.replace('\n5\n', '\n6\n') } }, keys).isValid).toBe(false);
    expect(verifyReceiptFile(file, keys.filter((k) => k.purpose !== 'log')).failures).toEqual([expect.stringMatching(/no pinned log key/)]);
    expect(verifyReceiptFile(file, keys.map((k) => (k.purpose === 'log' ? { ...k, revokedAt: '2026-01-02T00:00:00.000Z' } : k))).isValid).toBe(false);
    expect(verifyReceiptFile(badProof, keys, { isLogSkipped: true })).toMatchObject({ isValid: true, log: 'skipped' });
  });
});

describe('carbonplan-verify', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-verify-'));
  const write = (name: string, value: unknown) => { const f = path.join(dir, name); fs.writeFileSync(f, JSON.stringify(value)); return f; };
  async function run(argv: string[], fetchImpl?: typeof fetch) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerify(argv, { out: (l) => out.push(l), err: (l) => err.push(l), fetch: fetchImpl });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('exits 0 for a valid receipt, 1 with the reason for a tampered one, 2 for usage errors', async () => {
    const file = await withLog(issue());
    const keyFile = write('keys.json', { keys });
    expect(await run([write('ok.json', file), '--keys', keyFile])).toMatchObject({ code: 0, out: expect.stringMatching(/^VALID: receipt CL-202611-7K3QZ[\s\S]*inclusion proof and checkpoint signature verified/) });
    const tampered = write('bad.json', { ...file, payload: { ...file.payload, totals: { ...file.payload.totals, co2eKg: { ...file.payload.totals.co2eKg, high: '1' } } } });
    expect(await run([tampered, '--keys', keyFile])).toMatchObject({ code: 1, out: expect.stringMatching(/^NOT VALID/), err: expect.stringMatching(/reason: signature: signature does not match/) });
    expect(await run([write('nolog.json', file), '--keys', write('receipt-only.json', { keys: [keys[0]] })])).toMatchObject({ code: 1, err: expect.stringMatching(/no pinned log key/) });
    expect((await run([tampered, '--keys', keyFile, '--json'])).out).toMatch(/^\{"isValid":false/);
    expect(await run([tampered])).toMatchObject({ code: 2, err: expect.stringMatching(/exactly one of --keys or --base-url/) });
    expect(await run([path.join(dir, 'missing.json'), '--keys', keyFile])).toMatchObject({ code: 2, err: expect.stringMatching(/ENOENT/) });
    expect(await run([write('ok2.json', file), '--keys', write('notaset.json', { nope: 1 })])).toMatchObject({ code: 2 });
  });

  it('fetches the pinned set from --base-url/public/keys', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: URL) => { urls.push(url.href); return new Response(JSON.stringify({ keys }), { status: 200 }); }) as unknown as typeof fetch;
    expect((await run([write('ok3.json', issue()), '--base-url', 'https://api.example.test/'], fakeFetch)).code).toBe(0);
    expect(urls).toEqual(['https://api.example.test/public/keys']);
    const down = (async () => new Response('no', { status: 503 })) as unknown as typeof fetch;
    expect(await run([write('ok4.json', issue()), '--base-url', 'https://api.example.test'], down)).toMatchObject({ code: 2, err: expect.stringMatching(/answered 503/) });
  });
});
