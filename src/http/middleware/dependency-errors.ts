import { isTemporalUnavailable } from '../../services/connections/connection-workflows';

/** Seconds a client is asked to wait after a 503 caused by a dependency. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

// Socket-level failures reaching Postgres (or anything else over TCP).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// SQLSTATEs that mean "the database cannot serve this now", not "this request is wrong": connection exceptions
// (class 08), operator intervention (57P01-57P03: shutdown, crash, starting up), a statement cancelled by
// statement_timeout (57014), a session ended by idle_in_transaction_session_timeout (25P03), too many
// connections and other resource shortages (class 53).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|57014|25P03|53...)$/;
// node-postgres and pg-pool report their own timeouts and dropped connections with plain messages.
const PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

function isDatabaseUnavailable(err: object): boolean {
  const driver = (err as { driverError?: unknown }).driverError;
  const candidates = [err, ...(typeof driver === 'object' && driver !== null ? [driver] : [])] as Array<{ code?: unknown; message?: unknown }>;
  return candidates.some(({ code, message }) =>
    (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)))
    || (typeof message === 'string' && PG_MESSAGES.some((m) => message.startsWith(m))));
}

/** Which dependency a thrown error says is unavailable (unreachable, silent, overloaded), if any. */
export function unavailableDependency(err: unknown): 'database' | 'temporal' | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (isTemporalUnavailable(err)) return 'temporal';
  if (isDatabaseUnavailable(err)) return 'database';
  return undefined;
}
