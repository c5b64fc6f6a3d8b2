import { LogEntriesQuery, LogEntriesResponse } from '../../../../contracts/transparency-log';
import { MAX_ENTRIES_PAGE } from '../../../services/transparency-log/log.service';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/public/log/entries',
  summary: `Entries [start, end) of the public log (at most ${MAX_ENTRIES_PAGE} per page, cut at the newest checkpoint's size): each index with its payloadSha256 and leaf hash, so a monitor can rebuild the tree and compare roots. Receipt serials are not listed. Public, limited per IP.`,
  tag: 'log',
  auth: 'public',
  query: LogEntriesQuery,
  response: { status: 200, schema: LogEntriesResponse },
  handler: async ({ query, deps }): Promise<LogEntriesResponse> => {
    const page = await deps.services.log.entries(query.start, query.end);
    return { treeSize: page.treeSize, entries: page.entries.map((e) => ({ index: e.index, payloadSha256: e.payloadSha256, leafHash: e.leafHash.toString('base64') })) };
  },
});
