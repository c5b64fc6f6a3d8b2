// `npm run contracts:schema`: writes contracts/receipt-payload.schema.json from the zod contract (a test fails when
// the committed file differs from what this writes).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { receiptPayloadJsonSchema } from '../../contracts/receipts';

export const RECEIPT_SCHEMA_FILE = 'contracts/receipt-payload.schema.json';

export function renderReceiptSchema(): string {
  return `${JSON.stringify(receiptPayloadJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
  writeFileSync(path.join(root, RECEIPT_SCHEMA_FILE), renderReceiptSchema());
  console.log(`wrote ${RECEIPT_SCHEMA_FILE}`);
}
