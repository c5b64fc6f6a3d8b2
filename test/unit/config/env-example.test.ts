import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const documented = new Set(
  fs.readFileSync(path.join(root, '.env.example'), 'utf8').split('\n').map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter(Boolean) as string[],
);

/** Every variable a config schema reads, found by the UPPER_CASE keys of the zod objects in src/config. */
function variablesReadBy(file: string): string[] {
  const text = fs.readFileSync(path.join(root, 'src/config', file), 'utf8');
  return [...text.matchAll(/^\s+([A-Z][A-Z0-9_]+):\s/gm)].map((m) => m[1]).filter((name) => name !== 'PATH');
}

describe('.env.example', () => {
  it.each(['index.ts', 'dev.ts'])('lists every variable src/config/%s reads', (file) => {
    const missing = variablesReadBy(file).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
