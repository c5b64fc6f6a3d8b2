import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type SigningKeyPurpose = 'receipt' | 'log';

/**
 * Ed25519 signing keys (receipts and the public log's checkpoints). The private half is in the secret store under
 * `secretRef`; retired and revoked keys stay published forever so what they signed keeps verifying (or, after a
 * revocation, is known not to). Active = neither retired nor revoked; at most one per purpose (unique partial index).
 */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  /** RFC 7638 JWK thumbprint of the public key. */
  @PrimaryColumn({ name: 'key_id', type: 'text' }) keyId: string;
  /** Raw 32-byte public key, base64url. */
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @Column({ name: 'purpose', type: 'text' }) purpose: SigningKeyPurpose;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true }) retiredAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_reason', type: 'text', nullable: true }) revokedReason: string | null;
  @Column({ name: 'secret_ref', type: 'text' }) secretRef: string;
}
