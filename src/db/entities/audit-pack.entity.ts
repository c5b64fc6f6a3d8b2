import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

/** One stored version of an organization's monthly audit pack; unique (org_id, month, version). */
@Entity({ name: 'audit_packs' })
export class AuditPackEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  /** First day of the month covered. */
  @Column({ type: 'date' }) month: string;
  /** 1, 2, …: a new version only when the pack's inputs changed; earlier versions are kept. */
  @Column({ type: 'int' }) version: number;
  /** Storage key `audit-packs/{orgId}/{YYYY-MM}/v{version}.zip`, never a local path. */
  @Column({ name: 'object_key', type: 'text' }) objectKey: string;
  @Column({ name: 'manifest_sha256', type: 'text' }) manifestSha256: string;
  @Column({ type: 'bigint' }) bytes: string;
  /** SHA-256 (hex) over everything the pack depends on; equal inputs, no new version. */
  @Column({ name: 'inputs_sha256', type: 'text' }) inputsSha256: string;
  @Column({ type: 'bigint' }) events: string;
  @Column({ type: 'int' }) receipts: number;
  @Column({ name: 'factor_versions', type: 'text', array: true }) factorVersions: string[];
  /** The receipt key that signed manifest.json (null for packs made before versions). */
  @Column({ name: 'key_id', type: 'text', nullable: true }) keyId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
