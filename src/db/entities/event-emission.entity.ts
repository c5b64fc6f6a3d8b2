import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Emissions of a usage event under a factor version other than the one stored on the event itself (a new
 * version recomputes history side by side); numeric columns (strings in JS), never floats.
 */
@Entity({ name: 'event_emissions' })
export class EventEmissionEntity {
  @PrimaryColumn({ name: 'event_id', type: 'bigint' }) eventId: string;
  @PrimaryColumn({ name: 'factor_version', type: 'text' }) factorVersion: string;
  @Column({ type: 'text' }) tier: string;
  @Column({ name: 'matched_rule', type: 'text' }) matchedRule: string;
  @Column({ name: 'energy_wh_central', type: 'numeric' }) energyWhCentral: string;
  @Column({ name: 'energy_wh_low', type: 'numeric' }) energyWhLow: string;
  @Column({ name: 'energy_wh_high', type: 'numeric' }) energyWhHigh: string;
  @Column({ name: 'co2e_g_central', type: 'numeric' }) co2eGCentral: string;
  @Column({ name: 'co2e_g_low', type: 'numeric' }) co2eGLow: string;
  @Column({ name: 'co2e_g_high', type: 'numeric' }) co2eGHigh: string;
}
