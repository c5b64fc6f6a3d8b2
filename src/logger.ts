import pino, { type Logger } from 'pino';

// TypeORM's QueryFailedError carries the SQL and its bound values (`query`, `parameters`), and Postgres's
// `detail` repeats conflicting values ("Key (key_hash)=(…) already exists"): API key hashes and provider-key
// fingerprints would land in the log. Dropped at every depth of an error (cause, driverError, aggregated errors).
const SECRET_BEARING_FIELDS = new Set(['query', 'parameters', 'detail', 'where', 'internalQuery']);

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 5 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).filter(([key]) => !SECRET_BEARING_FIELDS.has(key)).map(([key, v]) => [key, scrub(v, depth + 1)]));
}

/** pino's error serializer (type, message, stack, cause) without the fields that carry query values. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrub(err);
  const serialized = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const driver = (err as { driverError?: unknown }).driverError;
  if (driver instanceof Error) serialized.driverError = pino.stdSerializers.err(driver);
  return scrub(serialized);
}

/** JSON logs. Anything that could hold a credential is redacted even if a caller logs it by mistake. */
export function createLogger(options: { level: string; name: string; destination?: pino.DestinationStream }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    serializers: { err: serializeError, error: serializeError },
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.apiKey', '*.key', '*.secret', '*.token', 'req.headers.authorization', 'headers.authorization', '*.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  }, options.destination ?? pino.destination(1));
}
