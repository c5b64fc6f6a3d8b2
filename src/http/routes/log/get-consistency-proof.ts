import { ConsistencyProofQuery, ConsistencyProofResponse } from '../../../../contracts/transparency-log';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/public/log/proof/consistency',
  summary: 'RFC 9162 consistency proof (base64 hashes) that the log of `to` entries extends the log of `from` entries: anyone holding both checkpoints can check that nothing was removed or rewritten in between. 0 ≤ from ≤ to ≤ the newest checkpoint\'s size. Public, limited per IP.',
  tag: 'log',
  auth: 'public',
  query: ConsistencyProofQuery,
  response: { status: 200, schema: ConsistencyProofResponse },
  handler: async ({ query, deps }): Promise<ConsistencyProofResponse> => {
    const proof = await deps.services.log.consistencyProof(query.from, query.to);
    return { from: query.from, to: query.to, proof: proof.map((h) => h.toString('base64')) };
  },
});
