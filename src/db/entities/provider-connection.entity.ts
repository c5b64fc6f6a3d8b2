import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { ProjectEntity } from './project.entity';

export type ConnectionStatus = 'active' | 'paused' | 'failed' | 'deleted';
export interface ConnectionError { code: string; message: string; at: string }

/** A provider account connected with an admin key. The key itself lives in the secret store, never here. */
@Entity({ name: 'provider_connections' })
export class ProviderConnectionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  @Column({ name: 'project_id', type: 'uuid' }) projectId: string;
  @ManyToOne(() => ProjectEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'project_id' }) project?: ProjectEntity;
  @Column({ type: 'text' }) provider: string;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'secret_ref', type: 'text', nullable: true }) secretRef: string | null;
  @Column({ name: 'key_hint', type: 'text' }) keyHint: string;
  /** SHA-256 of the key: one live connection per key and organization (see the migration). */
  @Column({ name: 'key_fingerprint', type: 'text', nullable: true }) keyFingerprint: string | null;
  /** The provider account the key belongs to, where the provider says (Anthropic): one live connection per account. */
  @Column({ name: 'provider_account_id', type: 'text', nullable: true }) providerAccountId: string | null;
  @Column({ name: 'provider_account_name', type: 'text', nullable: true }) providerAccountName: string | null;
  @Column({ type: 'text', default: 'active' }) status: ConnectionStatus;
  @Column({ name: 'consecutive_failures', type: 'int', default: 0 }) consecutiveFailures: number;
  @Column({ name: 'last_error', type: 'jsonb', nullable: true }) lastError: ConnectionError | null;
  /** Usage is synced up to this instant. */
  @Column({ type: 'timestamptz', nullable: true }) cursor: Date | null;
  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true }) lastPolledAt: Date | null;
  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true }) lastSuccessAt: Date | null;
  @Column({ name: 'last_manual_sync_at', type: 'timestamptz', nullable: true }) lastManualSyncAt: Date | null;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
