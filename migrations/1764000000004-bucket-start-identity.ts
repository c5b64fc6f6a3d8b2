import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO (usage integrity item 1, 7, 8) */
export class BucketStartIdentity1764000000004 implements MigrationInterface {
  name = 'BucketStartIdentity1764000000004';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }
}
