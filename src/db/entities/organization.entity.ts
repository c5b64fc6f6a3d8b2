import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type Plan = 'free' | 'pro' | 'enterprise';

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Clerk organization id (`org_…`); `local_…` for the launcher's local organization. */
  @Column({ name: 'clerk_org_id', type: 'text', unique: true }) clerkOrgId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', default: 'free' }) plan: Plan;
  @Column({ name: 'stripe_customer_id', type: 'text', nullable: true }) stripeCustomerId: string | null;
  @Column({ name: 'stripe_subscription_id', type: 'text', nullable: true }) stripeSubscriptionId: string | null;
  /** Stripe's status of that subscription (`active`, `past_due`, `canceled`, …) as last re-read from Stripe. */
  @Column({ name: 'subscription_status', type: 'text', nullable: true }) subscriptionStatus: string | null;
  /** The subscription item's current period (`items.data[0].current_period_start/end`). */
  @Column({ name: 'current_period_start', type: 'timestamptz', nullable: true }) currentPeriodStart: Date | null;
  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true }) currentPeriodEnd: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
