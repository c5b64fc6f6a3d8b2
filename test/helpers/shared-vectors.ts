import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** `shared/` sits beside the repository clone (here and in CI); the vectors are never copied into the repo. */
export const SHARED_VECTORS_DIR = path.resolve(__dirname, '../../../shared/vectors');

/** Reads one conformance vector file; a missing file fails the test run loudly instead of skipping the cases. */
export function readSharedVectors<T>(file: string): T[] {
  const full = path.join(SHARED_VECTORS_DIR, file);
  if (!existsSync(full)) {
    throw new Error(`conformance vectors missing: ${file} is expected in ../shared/vectors beside the repository (resolved to ${full}); check out shared/ next to the clone`);
  }
  const cases = JSON.parse(readFileSync(full, 'utf8')) as T[];
  if (!Array.isArray(cases) || cases.length === 0) throw new Error(`conformance vectors: ${file} holds no cases`);
  return cases;
}
