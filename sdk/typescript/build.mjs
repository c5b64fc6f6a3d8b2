// Builds the package from node_modules, offline: esbuild bundles src (with the contracts and the receipt verifier
// it imports from the repository) to ESM and CJS, leaving zod and tweetnacl as dependencies; tsc writes the .d.ts.
// Usage: node build.mjs [--out DIR] (default ./dist).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

const outIndex = process.argv.indexOf('--out');
const out = path.resolve(outIndex === -1 ? path.join(here, 'dist') : process.argv[outIndex + 1]);
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
const versionTs = readFileSync(path.join(here, 'src', 'version.ts'), 'utf8');
if (!versionTs.includes(`'${pkg.version}'`)) throw new Error(`src/version.ts does not say ${pkg.version} (package.json)`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  entryPoints: [path.join(here, 'src', 'index.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Every bare import (zod, tweetnacl, node:*) stays an import; relative ones (the contracts, the verifier) are bundled.
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  tsconfig: path.join(here, 'tsconfig.json'),
};
await esbuild.build({ ...common, format: 'esm', outfile: path.join(out, 'index.mjs') });
await esbuild.build({ ...common, format: 'cjs', outfile: path.join(out, 'index.cjs') });

const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json'), '--outDir', path.join(out, 'types')], { stdio: 'inherit' });
if (result.status !== 0) throw new Error(`tsc exited with ${result.status}`);
writeFileSync(path.join(out, 'index.d.ts'), "export * from './types/sdk/typescript/src/index';\n");
console.log(`carbonplan-ai ${pkg.version} built in ${out}`);
