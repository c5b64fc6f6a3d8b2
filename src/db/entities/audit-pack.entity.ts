import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

@Entity({ name: 'audit_packs' })
export class AuditPackEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  /** First day of the month covered. */
  @Column({ type: 'date' }) month: string;
  @Column({ name: 'object_key', type: 'text' }) objectKey: string;
  @Column({ name: 'manifest_sha256', type: 'text' }) manifestSha256: string;
  @Column({ type: 'bigint' }) bytes: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
