// Plain constants, no zod: workflow code imports them. The worker evaluates every module of the workflow bundle
// once per cached workflow (the SDK's per-workflow module cache), so zod schemas pulled in here cost about 3 MB of
// worker memory per connection (bench/polling: 3.4 GiB at 1,000 connections with zod, 0.7 GiB without).

/** Failure types the poll activity throws as ApplicationFailure `type`; the workflow decides strikes from them. */
export const PollFailureType = {
  /** 401/403/wrong key type: the key will never work; all five strikes at once. */
  credentialRejected: 'CredentialRejected',
  /** Quota or billing: a person must act; the connection fails at once too. */
  needsUserAction: 'NeedsUserAction',
  /** Our request or parser is wrong (400/404/schema): not retried, one strike. */
  providerPermanent: 'ProviderPermanent',
  /** Network, timeout, 408/409/429/5xx: retried by the activity retry policy. */
  providerTransient: 'ProviderTransient',
  /** The connection row or its secret is gone. */
  connectionGone: 'ConnectionGone',
  /** Our side failed (database, secret store, a bug): retried with backoff, never a strike, never shown to customers. */
  internal: 'InternalFailure',
} as const;

export const MAX_STRIKES = 5;
