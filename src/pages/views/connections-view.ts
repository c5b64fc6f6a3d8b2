import type { Connection } from '../../../contracts/connections';
import { formatInstant, formatRelative } from '../format';
import type { Notice } from '../render';
import { allConnections, allProjects, providerName, type PageContext } from './page-context';

/** The poller's failure types (contracts/workflows PollFailureType) in words. */
const ERROR_KINDS: Record<string, string> = {
  CredentialRejected: 'The provider refused the key',
  NeedsUserAction: 'The provider needs action on your account (quota or billing)',
  ProviderPermanent: 'The provider rejected our request',
  ProviderTransient: 'The provider was unavailable',
  ConnectionGone: 'The connection or its key is gone',
};
const MAX_STRIKES = 5;

const when = (iso: string | null, now: Date) => (iso ? `${formatRelative(iso, now)} (${formatInstant(iso)})` : 'never');

function lastErrorInWords(c: Connection, now: Date): string {
  if (!c.lastError) return 'none';
  const kind = ERROR_KINDS[c.lastError.code] ?? 'The last poll failed';
  const message = c.lastError.message.replace(/\.$/, '');
  return `${kind}: ${message} (${formatRelative(c.lastError.at, now)}).`;
}

/** Why "Sync now" cannot help a connection in this state, or null when it can. */
function syncBlocked(c: Connection): string | null {
  if (c.status === 'paused') return 'Paused connections are not polled.';
  if (c.status === 'failed') return `Stopped after ${MAX_STRIKES} strikes: replace its key (PUT /api/v1/connections/${c.id}/key) to resume.`;
  return null;
}

/** The result of a "Sync now" (POST, then redirect here with a code), in words. */
function syncNotice(query: Record<string, unknown>, connections: Connection[]): Notice | null {
  const connection = connections.find((c) => c.id === query.id);
  if (!connection || typeof query.sync !== 'string') return null;
  const name = `“${connection.name}”`;
  switch (query.sync) {
    case 'requested': return { tone: 'ok', text: `Sync requested for ${name}: the poller runs now. Reload in a few seconds to see its last poll.` };
    case 'limited': {
      const seconds = Number(query.retry);
      const wait = Number.isFinite(seconds) && seconds > 0 ? (seconds >= 60 ? `${Math.ceil(seconds / 60)} min` : `${seconds} s`) : 'a few minutes';
      return { tone: 'warn', text: `${name} was synced less than 5 minutes ago: ask again in ${wait} (one sync per connection every 5 minutes).` };
    }
    case 'refused': return { tone: 'warn', text: `${name} cannot be synced now. ${syncBlocked(connection) ?? 'It has no provider key to poll with: add one with PUT /api/v1/connections/{id}/key.'}` };
    case 'unavailable': return { tone: 'error', text: `The polling service is unreachable right now, so ${name} was not synced; nothing changed. Try again in a minute.` };
    default: return null;
  }
}

/** `/connections`: status, last poll, last success, strikes and the last error in words, with "Sync now". */
export async function connectionsView(ctx: PageContext, query: Record<string, unknown>) {
  const [connections, projects] = await Promise.all([allConnections(ctx), allProjects(ctx)]);
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const notice = syncNotice(query, connections);
  return {
    notices: notice ? [notice] : [],
    apiBase: ctx.apiBase,
    connections: connections.map((c) => {
      const blocked = syncBlocked(c);
      return {
        id: c.id, name: c.name, providerName: providerName(c.provider), keyHint: c.keyHint, projectName: projectNames.get(c.projectId) ?? 'another project',
        status: c.status, statusNote: c.status === 'paused' ? 'not polled' : c.status === 'failed' ? 'polling stopped' : null,
        lastPolled: when(c.lastPolledAt, ctx.now), lastSuccess: when(c.lastSuccessAt, ctx.now),
        strikes: `${c.consecutiveFailures} of ${MAX_STRIKES}`, lastError: lastErrorInWords(c, ctx.now),
        canSync: blocked === null, syncBlocked: blocked,
      };
    }),
  };
}
