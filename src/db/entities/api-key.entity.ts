import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

/** An organization API key. Only its SHA-256 is stored; the secret is shown once at creation. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  /** First characters of the key (`cp_live_ab12`), safe to display. */
  @Column({ type: 'text' }) prefix: string;
  @Column({ name: 'key_hash', type: 'text', unique: true }) keyHash: string;
  @Column({ type: 'text' }) name: string;
  /** Clerk user id (the session's `sub`) of the admin who created it; null for keys made by the local launcher. */
  @Column({ name: 'created_by', type: 'text', nullable: true }) createdBy: string | null;
  /** Null: never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
