import { ReceiptList } from '../../../contracts/receipt-api';
import { defineTool, READ_ONLY } from '../tool';
import type { ToolDeps } from './deps';
import { PageInput } from './page-input';

export const listReceipts = ({ api }: ToolDeps) => defineTool({
  name: 'list_receipts',
  title: 'List signed carbon receipts',
  description: [
    'The organization\'s signed carbon receipts, newest first: serial (CL-YYYYMM-XXXXX), kind (period, or adjustment of an earlier period), the period, CO2e in kilograms (low/central/high) and the signing key id.',
    'Use it to report what was certified for a month, or to get a serial for verify_receipt. Receipts need a paid plan: on a free plan the answer is an error with the upgrade link.',
    'Pass nextCursor back as cursor for the next page; null means this is the last page. Needs CARBONPLAN_API_KEY.',
  ].join('\n'),
  inputSchema: PageInput,
  outputSchema: ReceiptList,
  annotations: READ_ONLY,
  isAuthenticated: true,
  handler: async (page, { signal }) => api.receipts.list(page, { signal }),
});
