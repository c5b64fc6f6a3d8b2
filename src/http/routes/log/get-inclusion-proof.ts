import { InclusionProofQuery, InclusionProofResponse } from '../../../../contracts/transparency-log';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/public/log/proof/inclusion',
  summary: 'Where a receipt sits in the public log: its index and the RFC 9162 inclusion proof (base64 hashes) in the tree of treeSize entries (default: the newest checkpoint), with that size\'s signed checkpoint. Leaf hash = SHA-256(0x00 ‖ the 32 bytes of payloadSha256). Public, limited per IP.',
  tag: 'log',
  auth: 'public',
  query: InclusionProofQuery,
  response: { status: 200, schema: InclusionProofResponse },
  errors: [404],
  handler: async ({ query, deps }): Promise<InclusionProofResponse> => {
    const proof = await deps.services.log.inclusionProof(query.serial, query.treeSize);
    return { index: proof.index, treeSize: proof.treeSize, inclusionProof: proof.inclusionProof.map((h) => h.toString('base64')), checkpoint: proof.checkpoint };
  },
});
