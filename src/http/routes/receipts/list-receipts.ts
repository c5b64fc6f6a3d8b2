import { ReceiptList } from '../../../../contracts/receipt-api';
import { PageQuery } from '../../../../contracts/common';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/receipts',
  summary: "The organization's carbon receipts (period and adjustment), newest first, cursor-paginated: serial, kind, period, central/low/high CO2e, key id",
  tag: 'receipts',
  auth: 'organization',
  access: 'member',
  plan: 'paid',
  query: PageQuery,
  response: { status: 200, schema: ReceiptList },
  handler: async ({ auth, query, deps }): Promise<ReceiptList> => deps.services.receipts.list(auth.orgId, query),
});
