import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { CreditAllocationRequestEntity } from './credit-allocation-request.entity';

/** Grams a receipt asked for that the inventory could not cover; shown as a shortfall, never as retired. */
@Entity({ name: 'credit_shortfalls' })
export class CreditShortfallEntity {
  @PrimaryColumn({ name: 'receipt_key', type: 'text' }) receiptKey: string;
  @OneToOne(() => CreditAllocationRequestEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'receipt_key' }) request?: CreditAllocationRequestEntity;
  @Column({ type: 'bigint' }) grams: string;
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' }) recordedAt: Date;
}
