import { SignedCheckpointNote } from '../../../../contracts/transparency-log';
import { AppError } from '../../../errors';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/public/log/checkpoint',
  summary: 'The newest signed checkpoint of the public receipt log: a C2SP signed note (origin, tree size, base64 RFC 9162 root, then the log key\'s Ed25519 signature line). Verify it with the log\'s verifier key from GET /public/keys. 404 while the log is empty. Public, limited per IP.',
  tag: 'log',
  auth: 'public',
  response: { status: 200, contentType: 'text/plain; charset=utf-8', schema: SignedCheckpointNote, description: 'The signed note' },
  errors: [404],
  handler: async ({ deps, res }) => {
    const head = await deps.services.log.latestCheckpoint();
    // Errors keep the one JSON error body; only the checkpoint itself is text.
    if (!head) throw new AppError('NOT_FOUND', 'the log is empty: no receipt has been issued yet');
    res.set('Cache-Control', 'no-cache');
    res.status(200).type('text/plain; charset=utf-8').send(head.note);
    return undefined;
  },
});
