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
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
