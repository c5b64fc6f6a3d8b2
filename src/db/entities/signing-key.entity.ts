import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Ed25519 receipt signing keys. Retired keys stay published forever so old receipts keep verifying. */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ name: 'key_id', type: 'text' }) keyId: string;
  /** Raw 32-byte public key, base64url. */
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true }) retiredAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'secret_ref', type: 'text' }) secretRef: string;
}
