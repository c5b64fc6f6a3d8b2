import type { ToolDefinition } from '../tool';
import type { ToolDeps } from './deps';
import { estimateEmissions } from './estimate-emissions';
import { getSummary } from './get-summary';
import { listConnections } from './list-connections';
import { listReceipts } from './list-receipts';
import { syncConnection } from './sync-connection';
import { verifyReceipt } from './verify-receipt';

export type { ToolDeps } from './deps';

/** Read-only tools always; sync_connection only when the operator passed --allow-writes. */
export function buildTools(deps: ToolDeps, { isWriteAllowed }: { isWriteAllowed: boolean }): ToolDefinition[] {
  const tools = [estimateEmissions(deps), getSummary(deps), listConnections(deps), listReceipts(deps), verifyReceipt(deps)];
  return isWriteAllowed ? [...tools, syncConnection(deps)] : tools;
}
