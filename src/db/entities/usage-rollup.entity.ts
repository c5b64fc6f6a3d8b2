import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { RollupSums } from './emission-columns';

/** Daily sums per (org, project, connection, model, factor version), kept current by ingestion; the dashboard reads these. */
@Entity({ name: 'usage_rollups' })
export class UsageRollupEntity extends RollupSums {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId: string;
  @Column({ name: 'connection_id', type: 'uuid' }) connectionId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ type: 'text' }) model: string;
  @Column({ type: 'date' }) day: string;
  @Column({ name: 'factor_version', type: 'text' }) factorVersion: string;
}

/** The same daily sums per organization, without project and connection: what organization-wide summaries read. */
@Entity({ name: 'usage_rollups_org' })
export class UsageRollupOrgEntity extends RollupSums {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' }) orgId: string;
  @PrimaryColumn({ type: 'date' }) day: string;
  @PrimaryColumn({ type: 'text' }) provider: string;
  @PrimaryColumn({ type: 'text' }) model: string;
  @PrimaryColumn({ name: 'factor_version', type: 'text' }) factorVersion: string;
}

/** Monthly sums per organization, model and factor version: a year's summary reads 12 months, not 365 days. */
@Entity({ name: 'usage_rollups_org_monthly' })
export class UsageRollupOrgMonthlyEntity extends RollupSums {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' }) orgId: string;
  /** The month's first day. */
  @PrimaryColumn({ type: 'date' }) month: string;
  @PrimaryColumn({ type: 'text' }) provider: string;
  @PrimaryColumn({ type: 'text' }) model: string;
  @PrimaryColumn({ name: 'factor_version', type: 'text' }) factorVersion: string;
}

/** Daily sums per organization over every model: the summary's daily chart. */
@Entity({ name: 'usage_rollups_org_days' })
export class UsageRollupOrgDayEntity extends RollupSums {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' }) orgId: string;
  @PrimaryColumn({ type: 'date' }) day: string;
}
