import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildRollups } from './rebuild-rollups';

/** The same bytes as `usageIdempotencyKey` (src/services/telemetry/idempotency-key.ts); a test keeps them equal. */
const keyOf = (withEnd: boolean) => `sha256(${[
  ...(withEnd ? [] : [`convert_to(provider, 'UTF8')`]),
  `convert_to(connection_id::text, 'UTF8')`, `convert_to(model, 'UTF8')`,
  `convert_to(to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')`,
  ...(withEnd ? [`convert_to(to_char(bucket_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')`] : []),
  `convert_to(grouping, 'UTF8')`,
].join(` || '\\x00'::bytea || `)})`;

/**
 * One row per provider bucket, whatever the poll time. The idempotency key used to include the bucket end, and
 * OpenAI cuts the still-open bucket at the requested end_time, so a poll at 10:37 and one at 11:05 stored two
 * rows for the 10:00 hour. Rows that the old key split are merged (the newest reading wins: latest fetch, then
 * the later end), keys are recomputed over (provider, connection, model, bucket start, grouping), and the
 * rollups are rebuilt from the events so they are exactly the sums of what remains.
 *
 * Also: `fetched_at` (when the stored figures were read from the provider; an older read never overwrites a
 * newer one) and the counters providers report that are not converted to energy.
 */
export class BucketStartIdentity1764000000004 implements MigrationInterface {
  name = 'BucketStartIdentity1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE usage_events
        ADD COLUMN fetched_at timestamptz,
        ADD COLUMN web_search_requests bigint CHECK (web_search_requests >= 0),
        ADD COLUMN input_audio_tokens bigint CHECK (input_audio_tokens >= 0),
        ADD COLUMN output_audio_tokens bigint CHECK (output_audio_tokens >= 0);
      UPDATE usage_events SET fetched_at = updated_at;
      ALTER TABLE usage_events ALTER COLUMN fetched_at SET NOT NULL, ALTER COLUMN fetched_at SET DEFAULT now();

      DELETE FROM usage_events e USING (
        SELECT id, row_number() OVER (PARTITION BY provider, connection_id, model, bucket_start, grouping
                                      ORDER BY updated_at DESC, bucket_end DESC, id DESC) AS rank
        FROM usage_events) ranked
      WHERE e.id = ranked.id AND ranked.rank > 1;
      UPDATE usage_events SET idempotency_key = ${keyOf(false)};
    `);
    await rebuildRollups(q);
  }

  async down(q: QueryRunner): Promise<void> {
    // The merged duplicates are not restored: they were double counts.
    await q.query(`
      UPDATE usage_events SET idempotency_key = ${keyOf(true)};
      ALTER TABLE usage_events DROP COLUMN fetched_at, DROP COLUMN web_search_requests, DROP COLUMN input_audio_tokens, DROP COLUMN output_audio_tokens;
    `);
  }
}
