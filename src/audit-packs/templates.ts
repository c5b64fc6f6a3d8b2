import path from 'node:path';

// templates/ sits at the repository root, and beside dist/ in the image (Dockerfile copies both).
const TEMPLATES = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../templates' : '../../templates');

/** Absolute path of a file under templates/audit-pack (recalculate.mjs, methodology.md.ejs), from src/ or dist/. */
export function auditPackTemplatePath(name: string): string {
  return path.join(TEMPLATES, 'audit-pack', name);
}

/** recalculate.mjs, copied into every pack unchanged (plain Node, no dependencies). */
export const RECALCULATE_SCRIPT_PATH = auditPackTemplatePath('recalculate.mjs');
