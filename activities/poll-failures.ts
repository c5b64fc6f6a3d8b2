import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { PollFailureType } from '../contracts/workflows';
import { ProviderError } from '../src/connectors';
import { SecretNotFoundError } from '../src/integrations/secrets';

/** A provider's Retry-After is honoured up to one poll interval: a header of several hours must not stall the loop. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

const PROVIDER_NAMES: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', openrouter: 'OpenRouter' };

export const pollInternalFailures = new Counter({
  name: 'carbonplan_poll_internal_failures_total',
  help: 'Poll attempts that failed on our side (database, secret store, a bug): retried, never a customer strike',
  labelNames: ['provider'],
});

/**
 * What the customer reads in `lastError`: the provider's own (redacted) words where it refused us, but for
 * network trouble a plain sentence, since transport errors name addresses and hosts.
 */
export function customerMessage(err: ProviderError): string {
  const name = PROVIDER_NAMES[err.provider] ?? err.provider;
  if (err.code === 'network') return `could not reach ${name} (network error); polling retries automatically`;
  if (err.code === 'timeout') return `${name} did not answer in time; polling retries automatically`;
  return err.message;
}

/**
 * Maps any failure of a poll to the ApplicationFailure type the workflow decides strikes by. Only the provider's
 * answers (and a key missing from the secret store, which only the customer can fix) can become strikes; our
 * own failures are `InternalFailure`: retried, counted, logged with details, and shown to nobody but operators.
 */
export function toPollFailure(err: unknown, context: { provider: string; log: Logger }): never {
  if (err instanceof CancelledFailure) throw err;
  // A provider answer we cannot read is ours to fix (our schema or their new format): retried, never a strike.
  if (err instanceof ProviderError && err.code !== 'schema_mismatch') {
    const details = [{ code: err.code, status: err.status ?? null, providerRequestId: err.requestId ?? null }];
    const message = customerMessage(err);
    if (err.kind === 'transient') {
      const nextRetryDelay = err.retryAfterMs === undefined ? undefined : Math.min(err.retryAfterMs, MAX_RETRY_DELAY_MS);
      throw ApplicationFailure.create({ type: PollFailureType.providerTransient, message, details, nextRetryDelay });
    }
    const type = err.isCredentialRejected ? PollFailureType.credentialRejected : err.kind === 'needs_user_action' ? PollFailureType.needsUserAction : PollFailureType.providerPermanent;
    throw ApplicationFailure.create({ type, message, details, nonRetryable: true });
  }
  if (err instanceof SecretNotFoundError) {
    throw ApplicationFailure.create({ type: PollFailureType.needsUserAction, message: 'the provider key is missing from the secret store: replace the key', nonRetryable: true });
  }
  if (err instanceof ApplicationFailure) throw err; // already classified (connection gone)
  pollInternalFailures.inc({ provider: context.provider });
  context.log.error({ err }, 'poll failed on our side; retrying, no strike');
  throw ApplicationFailure.create({
    type: PollFailureType.internal,
    message: 'the poll failed on our side; it is retried automatically and never counts against the connection',
    details: [{ errorName: err instanceof Error ? err.name : typeof err }],
  });
}
