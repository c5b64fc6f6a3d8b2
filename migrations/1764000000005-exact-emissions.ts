import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO (usage integrity item 9) */
export class ExactEmissions1764000000005 implements MigrationInterface {
  name = 'ExactEmissions1764000000005';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }
}
