import type { DataSource } from 'typeorm';
import { FactorSetDocument } from '../../../contracts/emissions';
import { createEmissionsEngine, type EmissionsEngine } from '../../emissions';

/**
 * The published factor sets, read from `carbon_factor_sets` (the source of truth, seeded by migrations).
 * Engines are built once per version: published sets never change, so the cache never goes stale.
 */
export class FactorSetRepository {
  private readonly engines = new Map<string, EmissionsEngine>();
  private currentVersion: Promise<string> | undefined;

  constructor(private readonly ds: DataSource) {}

  /** The newest published version: what new usage is computed with. */
  async current(): Promise<EmissionsEngine> {
    this.currentVersion ??= this.ds
      .query(`SELECT version FROM carbon_factor_sets ORDER BY published_at DESC, version DESC LIMIT 1`)
      .then((rows: Array<{ version: string }>) => {
        if (!rows[0]) throw new Error('no carbon factor set is published: run the migrations (npm run db:migrate)');
        return rows[0].version;
      });
    try {
      return await this.get(await this.currentVersion);
    } catch (err) {
      this.currentVersion = undefined;
      throw err;
    }
  }

  async get(version: string): Promise<EmissionsEngine> {
    const cached = this.engines.get(version);
    if (cached) return cached;
    const [row] = await this.ds.query(`SELECT document FROM carbon_factor_sets WHERE version = $1`, [version]);
    if (!row) throw new Error(`factor set ${version} is not published`);
    const engine = createEmissionsEngine(FactorSetDocument.parse(row.document));
    this.engines.set(version, engine);
    return engine;
  }
}
