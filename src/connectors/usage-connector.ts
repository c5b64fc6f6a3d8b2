import type { KeyValidation, Provider, UsageBucket } from '../../contracts/usage';
import type { FetchFn } from './http';

export interface PollUsageInput {
  key: string;
  /** Inclusive; adapters widen it to the enclosing bucket (hour or UTC day). */
  from: Date;
  /** Exclusive; adapters widen it to the bucket boundary, then clamp it to now. */
  to: Date;
  /** Aborting stops the request in flight and any further page; the poll then throws `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * One adapter per provider behind one interface. `pollUsage` yields one batch per provider page (an OpenRouter
 * day counts as a page; a day it does not serve yet yields nothing), possibly empty, in time order, so a caller
 * can ingest and advance its cursor page by page. Every failure is a ProviderError (see errors.ts for how to act
 * on it), except a cancellation through `signal`.
 */
export interface UsageConnector {
  readonly provider: Provider;
  validateKey(key: string): Promise<KeyValidation>;
  pollUsage(input: PollUsageInput): AsyncIterable<UsageBucket[]>;
}

export interface ConnectorOptions {
  baseUrl: string;
  timeoutMs: number;
  fetch?: FetchFn;
  /** Clock for aligning windows and excluding the current day; tests share one with the fakes. */
  now?: () => Date;
}
