import { IdParams } from '../../../../contracts/common';
import { ReceiptDetail } from '../../../../contracts/receipt-api';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/receipts/:id',
  summary: 'A receipt: the signed payload, its SHA-256 and Ed25519 signature (base64url), key id, credits (retired and shortfall), PDF status, and verifyUrl, the public verify page with this receipt\'s code',
  tag: 'receipts',
  auth: 'organization',
  access: 'member',
  plan: 'paid',
  params: IdParams,
  response: { status: 200, schema: ReceiptDetail },
  errors: [404],
  handler: async ({ auth, params, deps, res }): Promise<ReceiptDetail> => {
    // The verify code inside verifyUrl is a secret of the organization's.
    res.set('Cache-Control', 'private, no-store');
    return deps.services.receipts.get(auth.orgId, params.id);
  },
});
