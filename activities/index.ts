import { createPollingActivities, type PollingDeps } from './polling.activities';
import { createRepairActivities, type RepairDeps } from './repair.activities';

export type ActivityDeps = PollingDeps & RepairDeps;

/** Every activity the worker registers; thin wrappers over services, all I/O of workflows happens here. */
export function createActivities(deps: ActivityDeps) {
  return { ...createPollingActivities(deps), ...createRepairActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
