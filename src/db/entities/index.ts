import { ApiKeyEntity } from './api-key.entity';
import { AuditPackEntity } from './audit-pack.entity';
import { BillingPeriodEntity } from './billing-period.entity';
import { CarbonFactorSetEntity } from './carbon-factor-set.entity';
import { CarbonReceiptEntity } from './carbon-receipt.entity';
import { CreditAllocationRequestEntity } from './credit-allocation-request.entity';
import { CreditAllocationEntity } from './credit-allocation.entity';
import { CreditBatchEntity } from './credit-batch.entity';
import { CreditRetirementEntity } from './credit-retirement.entity';
import { CreditShortfallEntity } from './credit-shortfall.entity';
import { EventEmissionEntity } from './event-emission.entity';
import { OrganizationEntity } from './organization.entity';
import { ProjectEntity } from './project.entity';
import { ProviderConnectionEntity } from './provider-connection.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { StripeEventEntity } from './stripe-event.entity';
import { UsageEventEntity } from './usage-event.entity';
import { UsageRollupEntity, UsageRollupOrgDayEntity, UsageRollupOrgEntity, UsageRollupOrgMonthlyEntity } from './usage-rollup.entity';

export {
  ApiKeyEntity, AuditPackEntity, BillingPeriodEntity, CarbonFactorSetEntity, CarbonReceiptEntity, CreditAllocationEntity,
  CreditAllocationRequestEntity, CreditBatchEntity, CreditRetirementEntity, CreditShortfallEntity, EventEmissionEntity, OrganizationEntity, ProjectEntity, ProviderConnectionEntity, SigningKeyEntity, StripeEventEntity,
  UsageEventEntity, UsageRollupEntity, UsageRollupOrgDayEntity, UsageRollupOrgEntity, UsageRollupOrgMonthlyEntity,
};

export const ENTITIES = [
  OrganizationEntity, ApiKeyEntity, ProjectEntity, ProviderConnectionEntity, UsageEventEntity, EventEmissionEntity,
  UsageRollupEntity, UsageRollupOrgEntity, CarbonFactorSetEntity, BillingPeriodEntity, CarbonReceiptEntity, CreditRetirementEntity,
  SigningKeyEntity, AuditPackEntity, StripeEventEntity, CreditBatchEntity, CreditAllocationRequestEntity, CreditAllocationEntity,
  CreditShortfallEntity, UsageRollupOrgMonthlyEntity, UsageRollupOrgDayEntity,
];
