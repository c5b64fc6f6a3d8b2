import type { MigrationInterface, QueryRunner } from 'typeorm';
import factorSetV1 from '../src/emissions/factor-sets/v1.0.json';

/** Publishes CarbonFactors v1.0. Published sets are immutable: a new version is a new migration, never an edit. */
export class SeedFactorSetV11764000000001 implements MigrationInterface {
  name = 'SeedFactorSetV11764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO carbon_factor_sets (version, published_at, document) VALUES ($1, $2, $3)`, [
      factorSetV1.version, `${factorSetV1.validFrom}T00:00:00Z`, JSON.stringify(factorSetV1),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    // The immutability trigger guards published sets; reverting the migration is the one sanctioned removal.
    await q.query(`ALTER TABLE carbon_factor_sets DISABLE TRIGGER carbon_factor_sets_immutable`);
    await q.query(`DELETE FROM carbon_factor_sets WHERE version = $1`, [factorSetV1.version]);
    await q.query(`ALTER TABLE carbon_factor_sets ENABLE TRIGGER carbon_factor_sets_immutable`);
  }
}
