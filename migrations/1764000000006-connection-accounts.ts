import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO (usage integrity item 2) */
export class ConnectionAccounts1764000000006 implements MigrationInterface {
  name = 'ConnectionAccounts1764000000006';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by its issue item
  }
}
