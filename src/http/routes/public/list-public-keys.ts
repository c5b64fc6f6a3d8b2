import { PublicKeySet } from '../../../../contracts/signing-keys';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/public/keys',
  summary: 'Every receipt and log signing key ever used, as a JWK Set (RFC 7517, OKP Ed25519 keys per RFC 8037) with each key\'s validity (createdAt, retiredAt, revokedAt). Retired keys stay listed so old receipts keep verifying; a revoked key invalidates what it signed from revokedAt on. Public, limited per IP.',
  tag: 'receipts',
  auth: 'public',
  response: { status: 200, schema: PublicKeySet, contentType: 'application/jwk-set+json' },
  handler: async ({ deps, res }) => {
    const body: PublicKeySet = { keys: await deps.services.signingKeys.publicKeys() };
    // Short: a rotation or revocation shows within minutes; verifiers are told to pin the set anyway.
    res.set('Cache-Control', 'public, max-age=300');
    res.status(200).type('application/jwk-set+json').send(JSON.stringify(body));
    return undefined;
  },
});
