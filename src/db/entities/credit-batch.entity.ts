import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A block of credits already retired on its registry for our customers' pool (migration 1764000000021). int8
 * columns come back from node-postgres as strings. Only `allocatedG` ever changes, and only upward.
 */
@Entity({ name: 'credit_batches' })
export class CreditBatchEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) registry: 'verra' | 'gold-standard' | 'puro';
  @Column({ type: 'text' }) project: string;
  @Column({ type: 'int' }) vintage: number;
  @Column({ name: 'serial_start', type: 'text' }) serialStart: string;
  @Column({ name: 'serial_end', type: 'text' }) serialEnd: string;
  /** The serial with its unit numbers replaced by `#`: the numbering space of the units. */
  @Column({ type: 'text' }) series: string;
  @Column({ name: 'unit_start', type: 'bigint' }) unitStart: string;
  @Column({ name: 'unit_end', type: 'bigint' }) unitEnd: string;
  @Column({ name: 'unit_g', type: 'bigint' }) unitG: string;
  @Column({ name: 'capacity_g', type: 'bigint' }) capacityG: string;
  @Column({ type: 'numeric' }) tonnes: string;
  @Column({ name: 'allocated_g', type: 'bigint', default: 0 }) allocatedG: string;
  @Column({ name: 'retired_on', type: 'date' }) retiredOn: string;
  @Column({ name: 'retirement_reference', type: 'text' }) retirementReference: string;
  @Column({ name: 'source_sha256', type: 'text' }) sourceSha256: string;
  @Column({ name: 'source_line', type: 'int' }) sourceLine: number;
  @Column({ name: 'loaded_at', type: 'timestamptz', default: () => 'now()' }) loadedAt: Date;
}
