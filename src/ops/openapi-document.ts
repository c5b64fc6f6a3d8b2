// `npm run contracts:openapi`: writes contracts/openapi.json, the OpenAPI document of every route, generated from the
// zod contracts (a test fails when the committed file differs from what this writes). No servers entry: the running
// API adds its PUBLIC_BASE_URL when it serves /openapi.json.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../http/openapi';
import { ROUTES } from '../http/routes';

export const OPENAPI_FILE = 'contracts/openapi.json';

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(ROUTES), null, 2)}\n`;
}

if (require.main === module) {
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
  writeFileSync(path.join(root, OPENAPI_FILE), renderOpenApiDocument());
  console.log(`wrote ${OPENAPI_FILE}`);
}
