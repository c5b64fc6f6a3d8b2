import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A published factor set; immutable (a trigger refuses UPDATE and DELETE). */
@Entity({ name: 'carbon_factor_sets' })
export class CarbonFactorSetEntity {
  @PrimaryColumn({ type: 'text' }) version: string;
  @Column({ name: 'published_at', type: 'timestamptz', default: () => 'now()' }) publishedAt: Date;
  @Column({ type: 'jsonb' }) document: Record<string, unknown>;
}
