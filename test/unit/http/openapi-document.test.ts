import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_FILE, renderOpenApiDocument } from '../../../src/ops/openapi-document';

describe('contracts/openapi.json', () => {
  it('is what `npm run contracts:openapi` writes from the current routes and contracts', () => {
    const committed = readFileSync(path.join(__dirname, '../../..', OPENAPI_FILE), 'utf8');
    const current = renderOpenApiDocument();
    if (committed !== current) {
      const paths = (text: string) => Object.keys((JSON.parse(text) as { paths: object }).paths);
      const added = paths(current).filter((p) => !paths(committed).includes(p));
      const removed = paths(committed).filter((p) => !paths(current).includes(p));
      throw new Error(`${OPENAPI_FILE} is stale: run \`npm run contracts:openapi\` and commit the file `
        + `(paths added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}; or a schema changed)`);
    }
  });

  it('comes out the same on every run (no dates, no random order)', () => {
    expect(renderOpenApiDocument()).toBe(renderOpenApiDocument());
  });
});
