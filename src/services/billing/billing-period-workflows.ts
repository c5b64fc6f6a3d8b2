import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowSignalWithStartOptions, type WorkflowStartOptions } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { InvoicePaidSignal, InvoicePaymentFailedSignal } from '../../../contracts/workflows';
import type { TemporalHandle } from '../../integrations/temporal';
import { billingPeriodWorkflow, invoicePaidSignal, invoicePaymentFailedSignal, subscriptionEndedSignal } from '../../../workflows/billing-period.workflow';
import { BillingStatusKey, OrgIdKey } from '../../../workflows/search-attributes';
import { billingPeriodWorkflowId } from './billing-periods';

/** A Stripe period in unix seconds (an invoice line's `period`). */
export interface StripePeriod { start: number; end: number }

/** `signalled`: the period's workflow got the signal (started by it if needed); `period-closed`: it had already ended. */
export type PeriodSignalOutcome = 'signalled' | 'period-closed';

const CALL_DEADLINE_MS = 10_000;

/** The webhook's side of `billing-period:{orgId}:{YYYY-MM}`: signalWithStart, never a second run of an id. */
export class BillingPeriodWorkflows {
  constructor(
    private readonly temporal: Pick<TemporalHandle, 'client' | 'taskQueue'>,
    private readonly graceSeconds: number,
  ) {}

  private get client() { return this.temporal.client; }

  private startOptions(orgId: string, period: StripePeriod): WorkflowStartOptions<typeof billingPeriodWorkflow> {
    const periodStart = new Date(period.start * 1000).toISOString();
    return {
      workflowId: billingPeriodWorkflowId(orgId, periodStart),
      taskQueue: this.temporal.taskQueue,
      args: [{ orgId, periodStart, periodEnd: new Date(period.end * 1000).toISOString(), graceSeconds: this.graceSeconds }],
      // A period has one run for ever: a late or duplicated payment of a closed period must not open it again.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: OrgIdKey, value: orgId }, { key: BillingStatusKey, value: 'open' }],
    };
  }

  private async signalWithStart<A extends unknown[]>(options: WorkflowSignalWithStartOptions<A> & WorkflowStartOptions<typeof billingPeriodWorkflow>): Promise<PeriodSignalOutcome> {
    try {
      await this.client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => this.client.workflow.signalWithStart(billingPeriodWorkflow, options));
      return 'signalled';
    } catch (err) {
      // REJECT_DUPLICATE: the id ran before and has ended, so the period is settled; the caller records it.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'period-closed';
      throw err;
    }
  }

  invoicePaid(orgId: string, period: StripePeriod, signal: InvoicePaidSignal): Promise<PeriodSignalOutcome> {
    return this.signalWithStart({ ...this.startOptions(orgId, period), signal: invoicePaidSignal, signalArgs: [signal] });
  }

  invoicePaymentFailed(orgId: string, period: StripePeriod, signal: InvoicePaymentFailedSignal): Promise<PeriodSignalOutcome> {
    return this.signalWithStart({ ...this.startOptions(orgId, period), signal: invoicePaymentFailedSignal, signalArgs: [signal] });
  }

  /**
   * Tells the organization's periods that are still waiting for a payment that none will be asked for. Paid
   * (`closing`) periods need nothing: they close normally. Returns how many workflows were told.
   */
  async subscriptionEnded(ds: DataSource, orgId: string, eventId: string): Promise<number> {
    const rows: Array<{ workflow_id: string }> = await ds.query(
      `SELECT workflow_id FROM billing_periods WHERE org_id = $1 AND status IN ('open', 'failed')`, [orgId],
    );
    let told = 0;
    for (const { workflow_id: workflowId } of rows) {
      try {
        await this.client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => this.client.workflow.getHandle(workflowId).signal(subscriptionEndedSignal, { eventId }));
        told += 1;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return told;
  }
}
