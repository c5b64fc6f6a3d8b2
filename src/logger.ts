import pino, { type Logger } from 'pino';

/** JSON logs. Anything that could hold a credential is redacted even if a caller logs it by mistake. */
export function createLogger(options: { level: string; name: string; destination?: pino.DestinationStream }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.apiKey', '*.key', '*.secret', '*.token', 'req.headers.authorization', 'headers.authorization', '*.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  }, options.destination ?? pino.destination(1));
}
