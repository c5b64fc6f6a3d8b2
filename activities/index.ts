import { createPollingActivities, type PollingDeps } from './polling.activities';

export type ActivityDeps = PollingDeps;

/** Every activity the worker registers; thin wrappers over services, all I/O of workflows happens here. */
export function createActivities(deps: ActivityDeps) {
  return { ...createPollingActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
