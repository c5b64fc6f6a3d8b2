import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Processed Stripe webhook events, for deduplication of redeliveries. */
@Entity({ name: 'stripe_events' })
export class StripeEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' }) eventId: string;
  @Column({ type: 'text' }) type: string;
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true }) processedAt: Date | null;
  /** The invoice or subscription the event is about. */
  @Column({ name: 'object_id', type: 'text', nullable: true }) objectId: string | null;
  /** What processing did, e.g. `signalled`, `ignored: period closed`, `ignored: unknown customer`. */
  @Column({ type: 'text', nullable: true }) outcome: string | null;
}
