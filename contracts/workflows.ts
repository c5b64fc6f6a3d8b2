import { z } from 'zod';
import { Month } from './audit-packs';
import { Totals } from './telemetry';
import { Provider } from './usage';

export const ConnectionRunStatus = z.enum(['active', 'paused', 'failed']);
export type ConnectionRunStatus = z.infer<typeof ConnectionRunStatus>;

export const LastError = z.object({ code: z.string(), message: z.string(), at: z.string() });
export type LastError = z.infer<typeof LastError>;

/** Input of `connection:{id}`, and the state carried through continue-as-new. */
export const ConnectionWorkflowInput = z.object({
  connectionId: z.uuid(),
  orgId: z.uuid(),
  provider: Provider,
  status: ConnectionRunStatus.default('active'),
  strikes: z.number().int().min(0).default(0),
  lastError: LastError.nullable().default(null),
  /** Polls completed by earlier runs; lets tests and operators see progress across continue-as-new. */
  pollCount: z.number().int().min(0).default(0),
  requestId: z.string().optional(),
  /** Carried through continue-as-new so the status query keeps answering them. */
  cursor: z.string().nullable().optional(),
  lastSuccessAt: z.string().nullable().optional(),
  /** Second past each hour this connection polls at (src/services/connections/poll-offset.ts); absent: :05. */
  pollOffsetSeconds: z.number().int().min(0).max(3599).optional(),
});
export type ConnectionWorkflowInput = z.input<typeof ConnectionWorkflowInput>;

/** What the `status` query answers. */
export const ConnectionWorkflowState = z.object({
  status: ConnectionRunStatus,
  strikes: z.number().int(),
  lastError: LastError.nullable(),
  pollCount: z.number().int(),
  cursor: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  nextPollAt: z.string().nullable(),
});
export type ConnectionWorkflowState = z.infer<typeof ConnectionWorkflowState>;

export const SyncNowSignal = z.object({ requestId: z.string().optional() });
export type SyncNowSignal = z.infer<typeof SyncNowSignal>;

/** Result of one poll activity: small, so workflow history stays small. */
export const PollResult = z.object({ cursor: z.string(), buckets: z.number().int(), changed: z.number().int(), at: z.string() });
export type PollResult = z.infer<typeof PollResult>;

export { MAX_STRIKES, PollFailureType } from './poll-failure-types';

/** Running totals of a reconciliation pass, carried across continue-as-new. */
export const ReconciliationTotals = z.object({ connections: z.number().int(), failed: z.number().int(), changed: z.number().int() });
export type ReconciliationTotals = z.infer<typeof ReconciliationTotals>;

/**
 * Input of the daily `reconciliationWorkflow`. A pass pages active connections by id (`pageSize`) and continues as
 * new once its history passes `historyBudget` events; `after` and `totals` are that carry-over, unset on a fresh start.
 */
export const ReconciliationInput = z.object({
  windowHours: z.number().int().min(1).max(168).default(24),
  concurrency: z.number().int().min(1).max(64).default(8),
  pageSize: z.number().int().min(1).max(1000).default(200),
  historyBudget: z.number().int().min(1).default(2000),
  after: z.string().nullable().optional(),
  totals: ReconciliationTotals.optional(),
});
export type ReconciliationInput = z.input<typeof ReconciliationInput>;

/** One page of active connection ids, ordered by id, strictly after `after` (null: from the start). */
export const ConnectionPageInput = z.object({ after: z.string().nullable(), limit: z.number().int().min(1) });
export type ConnectionPageInput = z.infer<typeof ConnectionPageInput>;

/** Input of the hourly `connectionRepairWorkflow`. `orgIds` limits a pass to some organizations (operators, tests). */
export const ConnectionRepairInput = z.object({
  pageSize: z.number().int().min(1).max(1000).default(200),
  concurrency: z.number().int().min(1).max(64).default(8),
  orgIds: z.array(z.uuid()).optional(),
  /** Events after which a pass continues as new at the next page boundary. */
  historyBudget: z.number().int().min(1).default(2000),
  /** Carry-over of a pass that continued as new: where the next page starts and the counts so far. */
  after: z.uuid().nullable().optional(),
  totals: z.lazy(() => ConnectionRepairCounts).optional(),
});
export type ConnectionRepairInput = z.input<typeof ConnectionRepairInput>;

/** What a repair pass (or one page of it) found: pollers already running, started, skipped, and failures. */
export const ConnectionRepairCounts = z.object({
  checked: z.number().int(),
  running: z.number().int(),
  started: z.number().int(),
  /** Deleted, or without a provider key (a poller would end at once), by the time it was looked at. */
  skipped: z.number().int(),
  failed: z.number().int(),
});
export type ConnectionRepairCounts = z.infer<typeof ConnectionRepairCounts>;

/** One page of the repair activity: connections after `after` (by id), at most `limit`. */
export const RepairPageInput = z.object({
  after: z.uuid().nullable(),
  limit: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  orgIds: z.array(z.uuid()).optional(),
});
export type RepairPageInput = z.infer<typeof RepairPageInput>;
/** `nextAfter`: where the next page starts; null when this page was the last. */
export const RepairPageResult = ConnectionRepairCounts.extend({ nextAfter: z.uuid().nullable() });
export type RepairPageResult = z.infer<typeof RepairPageResult>;

// ---------------------------------------------------------------------------------------------------------------
// Billing periods: `billing-period:{orgId}:{YYYY-MM}`, one per paid period, never reused.

export const BillingPeriodStatus = z.enum(['open', 'closing', 'closed', 'failed']);
export type BillingPeriodStatus = z.infer<typeof BillingPeriodStatus>;

/** Instants as ISO strings (UTC): the period is the invoice line's `period`, not the invoice's period_start/end. */
export const BillingPeriodInput = z.object({
  orgId: z.uuid(),
  periodStart: z.iso.datetime(),
  periodEnd: z.iso.datetime(),
  /** Late usage still lands this long after the period ends; the totals are taken once it has passed. */
  graceSeconds: z.number().int().min(0),
});
export type BillingPeriodInput = z.infer<typeof BillingPeriodInput>;

/** From `invoice.paid` / `invoice.payment_succeeded` (the two deduplicated by invoice id before signalling). */
export const InvoicePaidSignal = z.object({ invoiceId: z.string().min(1), eventId: z.string().min(1), paidAt: z.iso.datetime().nullable() });
export type InvoicePaidSignal = z.infer<typeof InvoicePaidSignal>;

/** From `invoice.payment_failed`: the period is `failed` (no receipt) until an `invoicePaid`. */
export const InvoicePaymentFailedSignal = z.object({ invoiceId: z.string().min(1), eventId: z.string().min(1), attemptCount: z.number().int().min(0) });
export type InvoicePaymentFailedSignal = z.infer<typeof InvoicePaymentFailedSignal>;

/** From `customer.subscription.deleted`: a paid period still closes normally; an unpaid one ends `failed` at its close time. */
export const SubscriptionEndedSignal = z.object({ eventId: z.string().min(1) });
export type SubscriptionEndedSignal = z.infer<typeof SubscriptionEndedSignal>;

/** What the `billingStatus` query answers. */
export const BillingPeriodState = z.object({
  status: BillingPeriodStatus,
  periodStart: z.string(),
  periodEnd: z.string(),
  /** period end + grace: when a paid period's totals are taken, and when an unpaid one of an ended subscription gives up. */
  closesAt: z.string(),
  invoiceId: z.string().nullable(),
  paymentFailures: z.number().int(),
  isSubscriptionEnded: z.boolean(),
  /** Signals that changed nothing (duplicates, a failure after payment, another period's invoice). */
  ignoredSignals: z.number().int(),
});
export type BillingPeriodState = z.infer<typeof BillingPeriodState>;

/** Upsert of the `billing_periods` row (by org and period start) mirroring the workflow's status. */
export const BillingPeriodRecord = z.object({
  orgId: z.uuid(),
  periodStart: z.string(),
  periodEnd: z.string(),
  status: BillingPeriodStatus,
  invoiceId: z.string().nullable(),
  workflowId: z.string(),
  receiptDueAt: z.string(),
});
export type BillingPeriodRecord = z.infer<typeof BillingPeriodRecord>;

/** Small on purpose (history stays small): the totals themselves stay on the row. */
export const FinalizeResult = z.object({ billingPeriodId: z.uuid(), events: z.string(), factorVersions: z.array(z.string()) });
export type FinalizeResult = z.infer<typeof FinalizeResult>;

export const BillingPeriodResult = z.object({ status: BillingPeriodStatus, invoiceId: z.string().nullable(), billingPeriodId: z.uuid().nullable() });
export type BillingPeriodResult = z.infer<typeof BillingPeriodResult>;

/**
 * The period's totals as finalize took them from the organization's daily rollups (exact decimal strings, the
 * same figures the dashboard sums): days [from, to), UTC; a first, partial period counts its start day whole.
 */
export const BillingPeriodSnapshot = z.object({
  range: z.object({ from: z.string(), to: z.string() }),
  factorVersions: z.array(z.string()).describe('factor versions the figures were computed with'),
  totals: Totals,
  takenAt: z.iso.datetime(),
});
export type BillingPeriodSnapshot = z.infer<typeof BillingPeriodSnapshot>;

// ---------------------------------------------------------------------------------------------------------------
// Audit packs: the `audit-packs-monthly` schedule runs one `audit-pack:{orgId}:{YYYY-MM}` child per paid organization;
// POST /api/v1/audit-packs starts (or joins) the same per-organization workflow on demand.

/** Counts of a monthly pass, carried across continue-as-new. */
export const AuditPacksTotals = z.object({
  orgs: z.number().int(),
  /** A new version was written. */
  built: z.number().int(),
  /** The latest version's inputs had not changed: nothing written. */
  unchanged: z.number().int(),
  /** A request was already building the organization's pack: that run does it. */
  joined: z.number().int(),
  failed: z.number().int(),
});
export type AuditPacksTotals = z.infer<typeof AuditPacksTotals>;

/**
 * Input of `auditPacksMonthlyWorkflow`. Without `month`, the pass packs the calendar month before the schedule's
 * nominal time; the month it chose, `after` and `totals` are the carry-over of a pass that continued as new.
 */
export const AuditPacksMonthlyInput = z.object({
  month: Month.optional(),
  /** Organizations packed at once (child workflows in flight). */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Paid organizations per keyset page (by id). */
  pageSize: z.number().int().min(1).max(1000).default(100),
  /** Events after which a pass continues as new at the next page boundary. */
  historyBudget: z.number().int().min(1).default(2000),
  after: z.uuid().nullable().optional(),
  totals: AuditPacksTotals.optional(),
});
export type AuditPacksMonthlyInput = z.input<typeof AuditPacksMonthlyInput>;

export const AuditPacksMonthlyResult = AuditPacksTotals.extend({ month: Month });
export type AuditPacksMonthlyResult = z.infer<typeof AuditPacksMonthlyResult>;

/** Input of `auditPackWorkflow` (`audit-pack:{orgId}:{month}`) and of its `buildAuditPack` activity. */
export const AuditPackInput = z.object({ orgId: z.uuid(), month: Month });
export type AuditPackInput = z.infer<typeof AuditPackInput>;

/** Ids and figures only (history stays small): the zip itself is in storage. */
export const AuditPackResult = z.object({
  packId: z.uuid(),
  month: Month,
  version: z.number().int().min(1),
  /** False when the latest version's inputs were unchanged and it was returned as is. */
  built: z.boolean(),
  manifestSha256: z.string(),
});
export type AuditPackResult = z.infer<typeof AuditPackResult>;

/** One page of paid organization ids (plan pro or enterprise), ordered by id, strictly after `after`. */
export const PaidOrganizationPageInput = z.object({ after: z.uuid().nullable(), limit: z.number().int().min(1) });
export type PaidOrganizationPageInput = z.infer<typeof PaidOrganizationPageInput>;
