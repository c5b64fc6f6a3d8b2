import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CarbonReceiptEntity } from './carbon-receipt.entity';

/** Credits retired for a receipt; only ever recorded with a registry serial range. */
@Entity({ name: 'credit_retirements' })
export class CreditRetirementEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'receipt_id', type: 'uuid' }) receiptId: string;
  @ManyToOne(() => CarbonReceiptEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'receipt_id' }) receipt?: CarbonReceiptEntity;
  @Column({ type: 'text' }) registry: string;
  @Column({ type: 'text' }) project: string;
  @Column({ type: 'int' }) vintage: number;
  @Column({ name: 'serial_range', type: 'text' }) serialRange: string;
  @Column({ type: 'numeric' }) tonnes: string;
}
