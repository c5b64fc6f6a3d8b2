import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BillingPeriodEntity } from './billing-period.entity';
import { OrganizationEntity } from './organization.entity';

/** A signed carbon receipt; immutable once issued. `payload` holds exactly the canonical bytes that were signed. */
@Entity({ name: 'carbon_receipts' })
export class CarbonReceiptEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** `CL-YYYYMM-XXXXX` (five Crockford base32 characters). */
  @Column({ type: 'text', unique: true }) serial: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  @Column({ name: 'billing_period_id', type: 'uuid' }) billingPeriodId: string;
  @ManyToOne(() => BillingPeriodEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'billing_period_id' }) billingPeriod?: BillingPeriodEntity;
  @Column({ type: 'text' }) kind: 'period' | 'adjustment';
  @Column({ name: 'adjusts_receipt_id', type: 'uuid', nullable: true }) adjustsReceiptId: string | null;
  @Column({ type: 'text' }) payload: string;
  @Column({ name: 'payload_sha256', type: 'text' }) payloadSha256: string;
  @Column({ type: 'text' }) signature: string;
  @Column({ name: 'key_id', type: 'text' }) keyId: string;
  /** Storage key of the rendered PDF (`receipts/<org>/<serial>.pdf`), never a local path. */
  @Column({ name: 'pdf_object_key', type: 'text', nullable: true }) pdfObjectKey: string | null;
  /** Filled in after issuing by the PDF activity; not part of what was signed. */
  @Column({ name: 'pdf_status', type: 'text', default: 'pending' }) pdfStatus: 'pending' | 'rendered' | 'skipped' | 'failed';
  @Column({ name: 'pdf_error', type: 'text', nullable: true }) pdfError: string | null;
  @Column({ name: 'pdf_rendered_at', type: 'timestamptz', nullable: true }) pdfRenderedAt: Date | null;
  @Column({ name: 'issued_at', type: 'timestamptz' }) issuedAt: Date;
  /** `period:{billingPeriodId}` or `adjustment:{closingPeriodId}:{serial}`: a retried or concurrent issue finds this row. */
  @Column({ name: 'receipt_key', type: 'text', nullable: true, unique: true }) receiptKey: string | null;
  /** SHA-256 (hex) of the public verify page's code; the code itself is derived again when shown. */
  @Column({ name: 'verify_code_sha256', type: 'text', nullable: true }) verifyCodeSha256: string | null;
}
