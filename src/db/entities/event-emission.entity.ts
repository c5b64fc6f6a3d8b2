import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EmissionColumns } from './emission-columns';

/**
 * Emissions of a usage event under a factor version other than the one stored on the event itself (a new
 * version recomputes history side by side); numeric columns (strings in JS), never floats.
 */
@Entity({ name: 'event_emissions' })
export class EventEmissionEntity extends EmissionColumns {
  @PrimaryColumn({ name: 'event_id', type: 'bigint' }) eventId: string;
  /** The event's bucket start: usage_events is partitioned on it, so the foreign key is (bucket_start, event_id). */
  @PrimaryColumn({ name: 'bucket_start', type: 'timestamptz' }) bucketStart: Date;
  @PrimaryColumn({ name: 'factor_version', type: 'text' }) factorVersion: string;
  @Column({ type: 'text' }) tier: string;
  @Column({ name: 'matched_rule', type: 'text' }) matchedRule: string;
}
