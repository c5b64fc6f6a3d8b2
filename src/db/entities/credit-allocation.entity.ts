import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CreditAllocationRequestEntity } from './credit-allocation-request.entity';
import { CreditBatchEntity } from './credit-batch.entity';

/** Append-only ledger line: grams [gramFrom, gramTo) of one batch for one receipt, and the units they touch. */
@Entity({ name: 'credit_allocations' })
export class CreditAllocationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'receipt_key', type: 'text' }) receiptKey: string;
  @ManyToOne(() => CreditAllocationRequestEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'receipt_key' }) request?: CreditAllocationRequestEntity;
  @Column({ type: 'int' }) line: number;
  @Column({ name: 'batch_id', type: 'uuid' }) batchId: string;
  @ManyToOne(() => CreditBatchEntity, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'batch_id' }) batch?: CreditBatchEntity;
  @Column({ name: 'gram_from', type: 'bigint' }) gramFrom: string;
  @Column({ name: 'gram_to', type: 'bigint' }) gramTo: string;
  @Column({ type: 'bigint' }) grams: string;
  @Column({ name: 'unit_first', type: 'bigint' }) unitFirst: string;
  @Column({ name: 'unit_last', type: 'bigint' }) unitLast: string;
  @Column({ name: 'serial_first', type: 'text' }) serialFirst: string;
  @Column({ name: 'serial_last', type: 'text' }) serialLast: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
