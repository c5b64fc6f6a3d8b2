import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What Stripe last said about an organization's subscription, written by the webhook handler after it re-reads the
 * subscription (never from the event payload): its status and the current period of its item. `plan`,
 * `stripe_customer_id` (unique) and `stripe_subscription_id` already exist. Null until the organization first subscribes.
 */
export class OrganizationSubscription1764000000011 implements MigrationInterface {
  name = 'OrganizationSubscription1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE organizations
        ADD COLUMN subscription_status text,
        ADD COLUMN current_period_start timestamptz,
        ADD COLUMN current_period_end timestamptz,
        ADD CONSTRAINT organizations_current_period_order CHECK (current_period_end IS NULL OR current_period_start IS NULL OR current_period_end > current_period_start);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE organizations DROP CONSTRAINT organizations_current_period_order,
        DROP COLUMN current_period_end, DROP COLUMN current_period_start, DROP COLUMN subscription_status;
    `);
  }
}
