import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One per receipt key: what was asked for and how much the inventory covered (the rest is a credit_shortfalls row). */
@Entity({ name: 'credit_allocation_requests' })
export class CreditAllocationRequestEntity {
  /** The issuer's stable key for the receipt; no foreign key, the receipt row is stored after allocation. */
  @PrimaryColumn({ name: 'receipt_key', type: 'text' }) receiptKey: string;
  @Column({ name: 'requested_g', type: 'bigint' }) requestedG: string;
  @Column({ name: 'allocated_g', type: 'bigint' }) allocatedG: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
