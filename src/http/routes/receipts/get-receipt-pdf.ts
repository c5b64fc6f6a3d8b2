import { IdParams } from '../../../../contracts/common';
import { ReceiptPdf } from '../../../../contracts/receipt-api';
import { defineRoute } from '../../route';
import { sendStoredFile } from '../../send-stored-file';

export default defineRoute({
  method: 'get',
  path: '/api/v1/receipts/:id/pdf',
  summary: 'The receipt as a PDF: streamed (local storage) or a 302 to a presigned link valid for five minutes (S3). 409 while it is being rendered; 503 naming the missing browser when rendering was skipped',
  tag: 'receipts',
  auth: 'organization',
  access: 'member',
  plan: 'paid',
  params: IdParams,
  response: {
    status: 200, contentType: 'application/pdf', schema: ReceiptPdf, description: 'The PDF',
    others: { 302: { description: 'Found: the PDF at a presigned link valid for five minutes (S3 storage)' } },
  },
  errors: [404, 409, 503],
  handler: async ({ auth, params, deps, res }) =>
    sendStoredFile(res, await deps.services.receiptPdfs.open(auth.orgId, params.id), { contentType: 'application/pdf', disposition: 'inline' }),
});
