import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { EmissionColumns } from './emission-columns';

/**
 * One row per (connection, model, bucket start, grouping). Token counts are int8, which node-postgres returns as
 * strings. The id is a bigint identity rather than a UUID: this is the one table that grows to tens of
 * millions of rows, and a sequential key keeps its indexes small and inserts append-only.
 *
 * Range-partitioned by month of bucket_start (migration 1764000000070): every unique key holds the partition key,
 * so the primary key is (id, bucket_start) and the idempotency key is unique with the bucket start.
 */
@Entity({ name: 'usage_events' })
@Unique('usage_events_idempotency_key_key', ['idempotencyKey', 'bucketStart'])
export class UsageEventEntity extends EmissionColumns {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @PrimaryColumn({ name: 'bucket_start', type: 'timestamptz' }) bucketStart: Date;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'connection_id', type: 'uuid' }) connectionId: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ type: 'text' }) model: string;
  @Column({ name: 'bucket_end', type: 'timestamptz' }) bucketEnd: Date;
  @Column({ type: 'text', default: '' }) grouping: string;
  @Column({ name: 'input_uncached', type: 'bigint', default: 0 }) inputUncached: string;
  @Column({ name: 'input_cache_write', type: 'bigint', default: 0 }) inputCacheWrite: string;
  @Column({ name: 'input_cache_read', type: 'bigint', default: 0 }) inputCacheRead: string;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0 }) outputTokens: string;
  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 }) reasoningTokens: string;
  @Column({ type: 'bigint', nullable: true }) requests: string | null;
  /** Reported, never converted to energy; null when the provider did not report it for this row. */
  @Column({ name: 'web_search_requests', type: 'bigint', nullable: true }) webSearchRequests: string | null;
  @Column({ name: 'input_audio_tokens', type: 'bigint', nullable: true }) inputAudioTokens: string | null;
  @Column({ name: 'output_audio_tokens', type: 'bigint', nullable: true }) outputAudioTokens: string | null;
  /** SHA-256 over provider, connection, model, bucket start and grouping (the end is a column that updates). */
  @Column({ name: 'idempotency_key', type: 'bytea' }) idempotencyKey: Buffer;
  @Column({ type: 'int', default: 1 }) revision: number;
  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' }) firstSeenAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
  /** When the stored figures were read from the provider: an older reading never overwrites a newer one. */
  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' }) fetchedAt: Date;
  /** Emissions (inherited columns) are under this version: the one the row was (re)ingested with. */
  @Column({ name: 'factor_version', type: 'text' }) factorVersion: string;
  @Column({ type: 'text' }) tier: string;
  @Column({ name: 'matched_rule', type: 'text' }) matchedRule: string;
}
