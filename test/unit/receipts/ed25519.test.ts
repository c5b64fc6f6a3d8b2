import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import nacl from 'tweetnacl';
import { canonicalize } from '../../../src/receipts/canonical-json';
import {
  generateKeyPair, keyPairFromSeed, pointEncodingProblem, signBytes, signPayload, verifyPayloadSignature, verifyStrict, verifyStrictDetailed,
} from '../../../src/receipts/ed25519';
import { readSharedVectors } from '../../helpers/shared-vectors';

interface Rfc8032Case { name: string; secret_key: string; public_key: string; message: string; signature: string }
interface EdgeCase { name: string; public_key: string; message: string; signature: string; strict_valid: boolean; comment: string }

const rfc8032 = readSharedVectors<Rfc8032Case>('ed25519-rfc8032.json');
const edge = readSharedVectors<EdgeCase>('ed25519-edge-cases.json');
const hex = (s: string) => Buffer.from(s, 'hex');
const P = (1n << 255n) - 19n;

describe('RFC 8032 section 7.1 vectors through the signer', () => {
  it('has the five vectors', () => expect(rfc8032).toHaveLength(5));

  it.each(rfc8032.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const pair = keyPairFromSeed(hex(c.secret_key));
    expect(Buffer.from(pair.publicKey).toString('hex')).toBe(c.public_key);
    const signature = signBytes(hex(c.message), pair.secretKey);
    expect(Buffer.from(signature).toString('hex')).toBe(c.signature);
    expect(verifyStrict(hex(c.message), signature, pair.publicKey)).toBe(true);
    const flipped = Buffer.from(signature);
    flipped[5] ^= 0x01;
    expect(verifyStrict(hex(c.message), flipped, pair.publicKey)).toBe(false);
    const otherMessage = Buffer.concat([hex(c.message), Buffer.from([0])]);
    expect(verifyStrict(otherMessage, signature, pair.publicKey)).toBe(false);
  });
});

describe('strict verification: ed25519-edge-cases.json', () => {
  it('holds both verdicts', () => {
    expect(edge.filter((c) => c.strict_valid).length).toBeGreaterThan(0);
    expect(edge.filter((c) => !c.strict_valid).length).toBeGreaterThan(10);
  });

  it.each(edge.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const verdict = verifyStrictDetailed(hex(c.message), hex(c.signature), hex(c.public_key));
    expect({ name: c.name, valid: verdict.valid }).toEqual({ name: c.name, valid: c.strict_valid });
  });

  it('the small-order blocklist holds exactly points of small order, both order-8 y values summing to p', () => {
    const y8 = Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex');
    const y8neg = Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex');
    const le = (b: Buffer) => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
    expect(le(y8) + le(y8neg)).toBe(P);
    for (const encoded of [y8, y8neg, Buffer.alloc(32), Buffer.from([1, ...new Array(31).fill(0)])]) {
      expect(pointEncodingProblem(encoded)).toBe('point of small order');
    }
    expect(pointEncodingProblem(generateKeyPair().publicKey)).toBeNull();
  });

  it('refuses y >= p even where it would reduce to a valid point', () => {
    const encoded = Buffer.alloc(32, 0xff);
    encoded[31] = 0x7f; // y = 2^255 - 1 >= p
    expect(pointEncodingProblem(encoded)).toMatch(/y >= p/);
  });
});

describe('payload signatures', () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 7));
  const payload = { version: 1, serial: 'CL-202611-7K3QZ', totals: { co2eKg: { low: '1.2', central: '1.5', high: '2' } }, keyId: 'rk_test' };

  it('signs the 32 raw bytes of SHA-256 of the canonical form, verifiable by node:crypto and tweetnacl', () => {
    const signed = signPayload(payload, pair.secretKey);
    const digest = createHash('sha256').update(canonicalize(payload), 'utf8').digest();
    expect(signed.canonical).toBe(canonicalize(payload));
    expect(signed.payloadSha256).toBe(digest.toString('hex'));
    const sig = Buffer.from(signed.signature, 'base64url');
    const spki = createPublicKey({ key: Buffer.concat([hex('302a300506032b6570032100'), pair.publicKey]), format: 'der', type: 'spki' });
    expect(cryptoVerify(null, digest, spki, sig)).toBe(true);
    expect(nacl.sign.detached.verify(digest, sig, pair.publicKey)).toBe(true);
    expect(verifyPayloadSignature(payload, signed.signature, pair.publicKey)).toMatchObject({ valid: true, payloadSha256: signed.payloadSha256 });
  });

  it('is independent of property order and refuses any changed field', () => {
    const signed = signPayload(payload, pair.secretKey);
    const reordered = { keyId: payload.keyId, totals: payload.totals, serial: payload.serial, version: 1 };
    expect(verifyPayloadSignature(reordered, signed.signature, pair.publicKey).valid).toBe(true);
    const tampered = { ...payload, totals: { co2eKg: { ...payload.totals.co2eKg, high: '2.0' } } };
    expect(verifyPayloadSignature(tampered, signed.signature, pair.publicKey)).toMatchObject({ valid: false, reason: 'signature does not match' });
  });

  it('refuses a malleated (S + L) signature and badly encoded signatures', () => {
    const signed = signPayload(payload, pair.secretKey);
    const sig = Buffer.from(signed.signature, 'base64url');
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
    const sPlusL = Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse();
    const malleated = Buffer.concat([sig.subarray(0, 32), sPlusL]).toString('base64url');
    expect(nacl.sign.detached.verify(createHash('sha256').update(signed.canonical).digest(), Buffer.from(malleated, 'base64url'), pair.publicKey)).toBe(true);
    expect(verifyPayloadSignature(payload, malleated, pair.publicKey)).toMatchObject({ valid: false, reason: expect.stringMatching(/group order/) });
    expect(verifyPayloadSignature(payload, `${signed.signature}=`, pair.publicKey).valid).toBe(false);
    expect(verifyPayloadSignature(payload, signed.signature.slice(0, -2), pair.publicKey).valid).toBe(false);
    expect(verifyPayloadSignature(payload, signed.signature, generateKeyPair().publicKey).valid).toBe(false);
  });
});
