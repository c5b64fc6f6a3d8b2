import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { canonicalize } from '../../receipts/canonical-json';

export interface FactorSetInfo {
  /** The document's name (`CarbonFactors v1.0`): how reports name it. */
  name: string;
  version: string;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of the published document. */
  sha256: string;
}

/** Every published factor set, newest first (published sets never change). */
export async function readFactorSets(db: EntityManager): Promise<FactorSetInfo[]> {
  const rows: Array<{ version: string; document: { name?: string } }> = await db.query(
    `SELECT version, document FROM carbon_factor_sets ORDER BY published_at DESC, version DESC`);
  return rows.map((r) => {
    const name = typeof r.document.name === 'string' ? r.document.name : `factor set ${r.version}`;
    return { name, version: r.version, sha256: createHash('sha256').update(canonicalize(r.document)).digest('hex') };
  });
}

/** The set a disclosure names: the newest of those its usage used, or the newest published without usage. */
export function chooseFactorSet(sets: FactorSetInfo[], used: string[]): FactorSetInfo {
  const chosen = sets.find((s) => used.length === 0 || used.includes(s.version));
  if (!chosen) throw new Error(`factor set(s) ${used.join(', ') || '(any)'} are not published`);
  return chosen;
}

/** Where a line's grid intensity comes from: ingestion computes with the factor set's `default` grid (region unknown). */
export function gridSourceOf(sets: FactorSetInfo[], version: string): string {
  const name = sets.find((s) => s.version === version)?.name ?? `factor set ${version}`;
  return `${name} grid.default (location-based average; region unknown)`;
}
