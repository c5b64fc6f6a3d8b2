import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Daily sums per (org, project, connection, model, factor version), kept current by ingestion; the dashboard reads these. */
@Entity({ name: 'usage_rollups' })
export class UsageRollupEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId: string;
  @Column({ name: 'connection_id', type: 'uuid' }) connectionId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ type: 'text' }) model: string;
  @Column({ type: 'date' }) day: string;
  @Column({ name: 'factor_version', type: 'text' }) factorVersion: string;
  @Column({ type: 'bigint', default: 0 }) requests: string;
  @Column({ name: 'input_uncached', type: 'bigint', default: 0 }) inputUncached: string;
  @Column({ name: 'input_cache_write', type: 'bigint', default: 0 }) inputCacheWrite: string;
  @Column({ name: 'input_cache_read', type: 'bigint', default: 0 }) inputCacheRead: string;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0 }) outputTokens: string;
  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 }) reasoningTokens: string;
  @Column({ name: 'event_count', type: 'int', default: 0 }) eventCount: number;
  @Column({ name: 'energy_wh_central', type: 'numeric', default: 0 }) energyWhCentral: string;
  @Column({ name: 'energy_wh_low', type: 'numeric', default: 0 }) energyWhLow: string;
  @Column({ name: 'energy_wh_high', type: 'numeric', default: 0 }) energyWhHigh: string;
  @Column({ name: 'co2e_g_central', type: 'numeric', default: 0 }) co2eGCentral: string;
  @Column({ name: 'co2e_g_low', type: 'numeric', default: 0 }) co2eGLow: string;
  @Column({ name: 'co2e_g_high', type: 'numeric', default: 0 }) co2eGHigh: string;
}

/** The same daily sums per organization, without project and connection: what organization-wide summaries read. */
@Entity({ name: 'usage_rollups_org' })
export class UsageRollupOrgEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' }) orgId: string;
  @PrimaryColumn({ type: 'date' }) day: string;
  @PrimaryColumn({ type: 'text' }) provider: string;
  @PrimaryColumn({ type: 'text' }) model: string;
  @PrimaryColumn({ name: 'factor_version', type: 'text' }) factorVersion: string;
  @Column({ type: 'bigint', default: 0 }) requests: string;
  @Column({ name: 'input_uncached', type: 'bigint', default: 0 }) inputUncached: string;
  @Column({ name: 'input_cache_write', type: 'bigint', default: 0 }) inputCacheWrite: string;
  @Column({ name: 'input_cache_read', type: 'bigint', default: 0 }) inputCacheRead: string;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0 }) outputTokens: string;
  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 }) reasoningTokens: string;
  @Column({ name: 'event_count', type: 'int', default: 0 }) eventCount: number;
  @Column({ name: 'energy_wh_central', type: 'numeric', default: 0 }) energyWhCentral: string;
  @Column({ name: 'energy_wh_low', type: 'numeric', default: 0 }) energyWhLow: string;
  @Column({ name: 'energy_wh_high', type: 'numeric', default: 0 }) energyWhHigh: string;
  @Column({ name: 'co2e_g_central', type: 'numeric', default: 0 }) co2eGCentral: string;
  @Column({ name: 'co2e_g_low', type: 'numeric', default: 0 }) co2eGLow: string;
  @Column({ name: 'co2e_g_high', type: 'numeric', default: 0 }) co2eGHigh: string;
}
