import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { SeedFactorSetV11764000000001 } from './1764000000001-seed-factor-set-v1';
import { OrgDailyRollups1764000000002 } from './1764000000002-org-daily-rollups';
import { ConnectionKeyFingerprint1764000000003 } from './1764000000003-connection-key-fingerprint';
import { BucketStartIdentity1764000000004 } from './1764000000004-bucket-start-identity';
import { ExactEmissions1764000000005 } from './1764000000005-exact-emissions';
import { ConnectionAccounts1764000000006 } from './1764000000006-connection-accounts';
import { ApiKeyExpiry1764000000007 } from './1764000000007-api-key-expiry';
import { IdempotencyKeys1764000000008 } from './1764000000008-idempotency-keys';
import { FilterIndexes1764000000009 } from './1764000000009-filter-indexes';
import { BillingPeriodSnapshots1764000000010 } from './1764000000010-billing-period-snapshots';
import { OrganizationSubscription1764000000011 } from './1764000000011-organization-subscription';
import { TransparencyLog1764000000020 } from './1764000000020-transparency-log';
import { CreditInventory1764000000021 } from './1764000000021-credit-inventory';
import { SigningKeyLifecycle1764000000022 } from './1764000000022-signing-key-lifecycle';
import { ReceiptIssuing1764000000030 } from './1764000000030-receipt-issuing';
import { ReceiptPdfStatus1764000000040 } from './1764000000040-receipt-pdf-status';
import { AuditPackVersions1764000000050 } from './1764000000050-audit-pack-versions';
import { MonthlyRollups1764000000060 } from './1764000000060-monthly-rollups';
import { PartitionUsageEvents1764000000070 } from './1764000000070-partition-usage-events';

/** Every migration, in order. Listed explicitly so compiled and ts-jest runs load the same set. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  SeedFactorSetV11764000000001,
  OrgDailyRollups1764000000002,
  ConnectionKeyFingerprint1764000000003,
  BucketStartIdentity1764000000004,
  ExactEmissions1764000000005,
  ConnectionAccounts1764000000006,
  ApiKeyExpiry1764000000007,
  IdempotencyKeys1764000000008,
  FilterIndexes1764000000009,
  BillingPeriodSnapshots1764000000010,
  OrganizationSubscription1764000000011,
  TransparencyLog1764000000020,
  CreditInventory1764000000021,
  SigningKeyLifecycle1764000000022,
  ReceiptIssuing1764000000030,
  ReceiptPdfStatus1764000000040,
  AuditPackVersions1764000000050,
  MonthlyRollups1764000000060,
  PartitionUsageEvents1764000000070,
];
