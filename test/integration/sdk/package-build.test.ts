import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The package as a user gets it: built with sdk/typescript/build.mjs into a project in the temp directory
 * (node_modules/carbonplan-ai with its dist, its two dependencies beside it), then loaded with require() and
 * import() by plain Node, and type-checked from both a CommonJS and an ES module consumer.
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const SDK = path.join(ROOT, 'sdk/typescript');
let project: string;
let pkgDir: string;

const node = (args: string[]) => run(process.execPath, args, { cwd: project, timeout: 60_000 });

beforeAll(async () => {
  project = mkdtempSync(path.join(os.tmpdir(), 'carbonplan-sdk-'));
  pkgDir = path.join(project, 'node_modules', 'carbonplan-ai');
  mkdirSync(pkgDir, { recursive: true });
  for (const file of ['package.json', 'README.md']) copyFileSync(path.join(SDK, file), path.join(pkgDir, file));
  for (const dep of ['zod', 'tweetnacl', '@types/node', 'undici-types']) {
    mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(project, 'node_modules', dep), 'dir');
  }
  await run(process.execPath, [path.join(SDK, 'build.mjs'), '--out', path.join(pkgDir, 'dist')], { cwd: ROOT, timeout: 120_000 });
}, 180_000);
afterAll(() => { if (project) rmSync(project, { recursive: true, force: true }); });

const probe = `
  const cp = new m.CarbonPlan({ apiKey: 'cp_test_x', baseUrl: 'http://127.0.0.1:1/' });
  const error = new m.PlanRequiredError({ message: 'm', status: 403, code: 'PLAN_REQUIRED', details: { upgradeUrl: 'u' } });
  console.log(JSON.stringify({
    resources: Object.keys(cp).filter((k) => typeof cp[k] === 'object' && k !== 'config' && k !== 'http').sort(),
    baseUrl: cp.config.baseUrl, version: m.VERSION, upgradeUrl: error.upgradeUrl, isApiError: error instanceof m.APIError,
    verify: m.verifyReceipt({}, { keys: [] }).failures,
  }));`;

describe('the built carbonplan-ai package', () => {
  it('ships ESM and CJS builds with declarations, as package.json exports them', () => {
    const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.mjs', require: './dist/index.cjs' });
    expect(readFileSync(path.join(pkgDir, 'dist/index.mjs'), 'utf8')).toMatch(/^export \{/m);
    expect(readFileSync(path.join(pkgDir, 'dist/index.cjs'), 'utf8')).toContain('module.exports = __toCommonJS(');
    expect(readFileSync(path.join(pkgDir, 'dist/index.d.ts'), 'utf8')).toContain('export *');
  });

  it('loads with require() and with import(), the same API from both', async () => {
    const cjs = await node(['-e', `const m = require('carbonplan-ai');${probe}`]);
    const esm = await node(['--input-type=module', '-e', `const m = await import('carbonplan-ai');${probe}`]);
    const expected = {
      resources: ['auditPacks', 'billing', 'connections', 'disclosure', 'estimate', 'export', 'projects', 'receipts', 'telemetry'],
      baseUrl: 'http://127.0.0.1:1', version: JSON.parse(readFileSync(path.join(SDK, 'package.json'), 'utf8')).version,
      upgradeUrl: 'u', isApiError: true, verify: ['the receipt file has no payload object'],
    };
    expect(JSON.parse(cjs.stdout)).toMatchObject(expected);
    expect(JSON.parse(esm.stdout)).toMatchObject(expected);
  });

  it('type-checks from a CommonJS and an ES module consumer, with the contracts\' types, and the READMEs\' examples', async () => {
    const consumer = `
      import { CarbonPlan, PlanRequiredError, verifyReceipt, type Connection, type EstimateParams } from 'carbonplan-ai';
      const cp = new CarbonPlan({ apiKey: 'cp_test_x' });
      export async function main(): Promise<string[]> {
        const params: EstimateParams = { model: 'gpt-4o', inputTokens: 1, outputTokens: 1 };
        const estimate = await cp.estimate.create(params);
        const connections: Connection[] = await cp.connections.list({ limit: 10 }).toArray();
        for await (const receipt of cp.receipts.list()) console.log(receipt.serial.toUpperCase(), verifyReceipt(receipt, []).isValid);
        // @ts-expect-error limit is a number
        cp.projects.list({ limit: 'ten' });
        // @ts-expect-error no such provider in the contract
        cp.connections.create({ provider: 'mistral', apiKey: 'x' });
        const error: unknown = null;
        if (error instanceof PlanRequiredError) console.log(error.upgradeUrl?.length);
        return [estimate.co2eG.central, ...connections.map((c) => c.provider)];
      }`;
    writeFileSync(path.join(project, 'consumer.mts'), consumer);
    writeFileSync(path.join(project, 'consumer.cts'), consumer);
    // The READMEs' examples compile against the package too.
    const examples = [path.join(SDK, 'README.md'), path.join(ROOT, 'README.md')]
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]))
      .filter((code) => code.includes("from 'carbonplan-ai'"));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    examples.forEach((code, i) => writeFileSync(path.join(project, `readme-${i}.mts`), `${code}\nexport {};\n`));
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
      files: ['consumer.mts', 'consumer.cts', ...examples.map((_code, i) => `readme-${i}.mts`)],
    }));
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await node([tsc, '-p', 'tsconfig.json']).catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }));
    expect(result.stdout).toBe('');
  }, 60_000);
});
