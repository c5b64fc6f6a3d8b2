import { z } from 'zod';
import { Cursor } from '../../../contracts/common';

/**
 * PageQuery (contracts/common.ts) for a tool: the API coerces `limit` from a query string; a tool gets JSON, so it
 * is a plain integer here, with the same bounds, and left to the API's default when omitted.
 */
export const PageInput = z.object({
  limit: z.number().int().min(1).max(100).optional().describe('items per page, 1-100 (default 50)'),
  cursor: Cursor.optional().describe('nextCursor from the previous call of this tool, for the next page; omit for the first page'),
}).strict();
