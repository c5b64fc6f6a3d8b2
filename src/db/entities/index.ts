import { ApiKeyEntity } from './api-key.entity';
import { AuditPackEntity } from './audit-pack.entity';
import { BillingPeriodEntity } from './billing-period.entity';
import { CarbonFactorSetEntity } from './carbon-factor-set.entity';
import { CarbonReceiptEntity } from './carbon-receipt.entity';
import { CreditRetirementEntity } from './credit-retirement.entity';
import { EventEmissionEntity } from './event-emission.entity';
import { OrganizationEntity } from './organization.entity';
import { ProjectEntity } from './project.entity';
import { ProviderConnectionEntity } from './provider-connection.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { StripeEventEntity } from './stripe-event.entity';
import { UsageEventEntity } from './usage-event.entity';
import { UsageRollupEntity, UsageRollupOrgEntity } from './usage-rollup.entity';

export {
  ApiKeyEntity, AuditPackEntity, BillingPeriodEntity, CarbonFactorSetEntity, CarbonReceiptEntity, CreditRetirementEntity,
  EventEmissionEntity, OrganizationEntity, ProjectEntity, ProviderConnectionEntity, SigningKeyEntity, StripeEventEntity,
  UsageEventEntity, UsageRollupEntity, UsageRollupOrgEntity,
};

export const ENTITIES = [
  OrganizationEntity, ApiKeyEntity, ProjectEntity, ProviderConnectionEntity, UsageEventEntity, EventEmissionEntity,
  UsageRollupEntity, UsageRollupOrgEntity, CarbonFactorSetEntity, BillingPeriodEntity, CarbonReceiptEntity, CreditRetirementEntity,
  SigningKeyEntity, AuditPackEntity, StripeEventEntity,
];
