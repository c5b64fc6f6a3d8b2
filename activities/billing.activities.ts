import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { BillingPeriodRecord, FinalizeResult } from '../contracts/workflows';
import { BillingPeriodRepository } from '../src/services/billing/billing-periods';

export interface BillingDeps {
  dataSource: DataSource;
  logger: Logger;
  now?: () => Date;
}

/** The billing-period workflow's I/O: the row that mirrors its status, and the totals snapshot. */
export function createBillingActivities(deps: BillingDeps) {
  const periods = new BillingPeriodRepository(deps.dataSource, deps.now);
  return {
    async recordBillingPeriod(input: BillingPeriodRecord): Promise<void> {
      await periods.record(input);
    },

    /** Takes the period's totals once its grace has passed and stores them on the row (first snapshot wins). */
    async finalizeBillingPeriod(input: { orgId: string; periodStart: string; periodEnd: string }): Promise<FinalizeResult> {
      const { id, snapshot } = await periods.finalize(input.orgId, new Date(input.periodStart), new Date(input.periodEnd));
      deps.logger.info({ orgId: input.orgId, billingPeriodId: id, events: snapshot.totals.events, co2eG: snapshot.totals.co2eG.central }, 'billing period finalized');
      return { billingPeriodId: id, events: snapshot.totals.events, factorVersions: snapshot.factorVersions };
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
