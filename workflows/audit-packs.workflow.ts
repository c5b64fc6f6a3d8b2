import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  continueAsNew, isCancellation, log, ParentClosePolicy, proxyActivities, startChild, workflowInfo,
} from '@temporalio/workflow';
import { previousMonth } from '../contracts/months';
import type { AuditPackInput, AuditPackResult, AuditPacksMonthlyInput, AuditPacksMonthlyResult, AuditPacksTotals } from '../contracts/workflows';
import type { AuditPackActivities } from '../activities/audit-pack.activities';
import { OrgIdKey } from './search-attributes';

const { listPaidOrganizationsPage } = proxyActivities<AuditPackActivities>({ startToCloseTimeout: '1 minute' });
const { buildAuditPack } = proxyActivities<AuditPackActivities>({
  // A month of a large organization streams a million rows into the zip; the activity heartbeats while it works,
  // so a dead worker is noticed within the heartbeat timeout rather than the hour.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 6, nonRetryableErrorTypes: ['AuditPackBadInput'] },
});

/** About 6 events per organization: a run stops taking pages well below Temporal's 51,200-event limit. */
const DEFAULT_HISTORY_BUDGET = 2_000;

/** Set by Temporal Schedules on the runs they start: the action's nominal time (not the actual start, which a catch-up delays). */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export const auditPackWorkflowId = (input: AuditPackInput) => `audit-pack:${input.orgId}:${input.month}`;

/**
 * `audit-pack:{orgId}:{month}`: builds the organization's pack of the month, or finds the latest version's inputs
 * unchanged and returns it. Started by the monthly pass and by POST /api/v1/audit-packs (which joins a running one).
 */
export async function auditPackWorkflow(input: AuditPackInput): Promise<AuditPackResult> {
  const result = await buildAuditPack(input);
  log.info('audit pack ready', { ...input, ...result });
  return result;
}

/** The schedule's nominal time of this run, when a schedule started it. */
function scheduledStartTime(): Date | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(ScheduledStartTimeKey);
  if (typed) return typed;
  // Servers that store it without type metadata: only the untyped view shows it (an ISO string or a Date).
  const raw = info.searchAttributes?.[ScheduledStartTimeKey.name]?.[0];
  const at = typeof raw === 'string' || raw instanceof Date ? new Date(raw) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** The month a fresh pass packs: the calendar month before the schedule's nominal time (the chain's start without one). */
const monthToPack = (): string => previousMonth(scheduledStartTime() ?? workflowInfo().startTime);

/**
 * Started on the 3rd of each month by the `audit-packs-monthly` schedule: one `auditPackWorkflow` child per paid
 * organization (plan pro or enterprise), taken in keyset pages by id, at most `concurrency` at once. One
 * organization's failure does not stop the others. Once a page is done and the history passes the budget (or the
 * server suggests it), the pass continues as new with the month it chose, its cursor and totals.
 */
export async function auditPacksMonthlyWorkflow(input: AuditPacksMonthlyInput = {}): Promise<AuditPacksMonthlyResult> {
  const month = input.month ?? monthToPack();
  const limit = input.pageSize ?? 100;
  const concurrency = input.concurrency ?? 4;
  const budget = input.historyBudget ?? DEFAULT_HISTORY_BUDGET;
  const totals: AuditPacksTotals = { ...(input.totals ?? { orgs: 0, built: 0, unchanged: 0, joined: 0, failed: 0 }) };
  let after = input.after ?? null;
  for (;;) {
    const orgIds = await listPaidOrganizationsPage({ after, limit });
    await packAll(orgIds, month, concurrency, totals);
    if (orgIds.length < limit) {
      log.info('monthly audit packs done', { month, ...totals });
      return { month, ...totals };
    }
    after = orgIds[orgIds.length - 1];
    const info = workflowInfo();
    if (info.historyLength > budget || info.continueAsNewSuggested) {
      await continueAsNew<typeof auditPacksMonthlyWorkflow>({ ...input, month, after, totals });
    }
  }
}

async function packAll(orgIds: string[], month: string, concurrency: number, totals: AuditPacksTotals): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < orgIds.length) {
      const orgId = orgIds[next++];
      totals.orgs += 1;
      totals[await packOne({ orgId, month })] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, orgIds.length) }, lane));
}

async function packOne(input: AuditPackInput): Promise<'built' | 'unchanged' | 'joined' | 'failed'> {
  try {
    const child = await startChild(auditPackWorkflow, {
      workflowId: auditPackWorkflowId(input),
      args: [input],
      typedSearchAttributes: [{ key: OrgIdKey, value: input.orgId }],
      // A pass cut off by its execution timeout lets the packs already being built finish.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return (await child.result()).built ? 'built' : 'unchanged';
  } catch (err) {
    // A request for the same organization and month is building it right now: that run is the pack.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'joined';
    if (isCancellation(err)) throw err;
    log.warn('audit pack failed; the next pass or a request builds it', { ...input, error: String(err) });
    return 'failed';
  }
}
