import { keyPairFromSeed, signBytes } from '../../src/receipts/ed25519';
import type { LogSigner } from '../../src/transparency-log/checkpoint';
import { readSharedVectors } from './shared-vectors';

interface Rfc8032Case { name: string; secret_key: string; public_key: string }

/** A log signer on an RFC 8032 §7.1 test key (TEST 1 by default), read from ../shared/vectors; tests only. */
export function rfc8032LogSigner(name = 'TEST 1'): LogSigner {
  const vector = readSharedVectors<Rfc8032Case>('ed25519-rfc8032.json').find((c) => c.name === name);
  if (!vector) throw new Error(`ed25519-rfc8032.json has no case ${name}`);
  const pair = keyPairFromSeed(Buffer.from(vector.secret_key, 'hex'));
  if (Buffer.from(pair.publicKey).toString('hex') !== vector.public_key) throw new Error(`${name}: derived public key differs from the vector`);
  return { publicKey: pair.publicKey, sign: async (message) => ({ keyId: `rfc8032-${name}`, signature: signBytes(message, pair.secretKey) }) };
}
