import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { BillingPeriodSnapshot } from '../../../contracts/workflows';
import { OrganizationEntity } from './organization.entity';

export type BillingPeriodStatus = 'open' | 'closing' | 'closed' | 'failed';

@Entity({ name: 'billing_periods' })
export class BillingPeriodEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: OrganizationEntity;
  @Column({ name: 'period_start', type: 'timestamptz' }) periodStart: Date;
  @Column({ name: 'period_end', type: 'timestamptz' }) periodEnd: Date;
  @Column({ type: 'text', default: 'open' }) status: BillingPeriodStatus;
  @Column({ name: 'stripe_invoice_id', type: 'text', nullable: true }) stripeInvoiceId: string | null;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId: string;
  /** Period end + RECEIPT_GRACE_SECONDS: when the workflow takes the totals. */
  @Column({ name: 'receipt_due_at', type: 'timestamptz', nullable: true }) receiptDueAt: Date | null;
  /** The totals finalize took (BillingPeriodSnapshot in contracts/workflows.ts); set by finalize, before the period closes. */
  @Column({ type: 'jsonb', nullable: true }) snapshot: BillingPeriodSnapshot | null;
  @Column({ name: 'finalized_at', type: 'timestamptz', nullable: true }) finalizedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
