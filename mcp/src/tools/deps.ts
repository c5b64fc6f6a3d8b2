import type { CarbonPlan } from '../../../sdk/typescript/src';

/** What the tools are built from: the SDK client, the only way they reach the API. */
export interface ToolDeps {
  api: CarbonPlan;
}
