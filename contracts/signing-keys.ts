import { z } from 'zod';

export const SigningKeyPurpose = z.enum(['receipt', 'log']);
export type SigningKeyPurpose = z.infer<typeof SigningKeyPurpose>;

const Instant = z.iso.datetime();

/**
 * One published key: an RFC 8037 OKP key in an RFC 7517 JWK, plus its validity. `kid` is the RFC 7638 thumbprint;
 * `verifierKey` (log keys only) is the C2SP signed-note verifier key that checks the log's checkpoints.
 */
export const PublicSigningKey = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/).describe('raw 32-byte public key, base64url without padding'),
  kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/).describe('RFC 7638 JWK thumbprint (SHA-256), base64url'),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
  purpose: SigningKeyPurpose,
  createdAt: Instant.describe('start of validity: receipts issued before it are not signed by this key'),
  retiredAt: Instant.nullable().describe('rotated out: signs nothing new; what it signed stays valid'),
  revokedAt: Instant.nullable().describe('compromised: what it signed from this instant is invalid, before it valid with a warning'),
  verifierKey: z.string().optional().describe('log keys: the C2SP verifier key `<name>+<key id>+<base64 key>`'),
});
export type PublicSigningKey = z.infer<typeof PublicSigningKey>;

/** GET /public/keys: every receipt and log key ever used, oldest first. Pin it; never trust a key inside a receipt. */
export const PublicKeySet = z.object({ keys: z.array(PublicSigningKey) });
export type PublicKeySet = z.infer<typeof PublicKeySet>;
