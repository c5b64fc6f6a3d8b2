import type { Provider } from '../../contracts/usage';
import { createAnthropicConnector } from './anthropic.connector';
import type { FetchFn } from './http';
import { createOpenAIConnector } from './openai.connector';
import { createOpenRouterConnector } from './openrouter.connector';
import type { UsageConnector } from './usage-connector';

export interface ConnectorsConfig {
  /** From configuration only (config.providers); users never supply URLs. */
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  openrouterBaseUrl: string;
  timeoutMs: number;
  fetch?: FetchFn;
  now?: () => Date;
}

export type Connectors = Record<Provider, UsageConnector>;

export function createConnectors(config: ConnectorsConfig): Connectors {
  const shared = { timeoutMs: config.timeoutMs, fetch: config.fetch, now: config.now };
  return {
    openai: createOpenAIConnector({ ...shared, baseUrl: config.openaiBaseUrl }),
    anthropic: createAnthropicConnector({ ...shared, baseUrl: config.anthropicBaseUrl }),
    openrouter: createOpenRouterConnector({ ...shared, baseUrl: config.openrouterBaseUrl }),
  };
}

export { ProviderError, parseRetryAfterMs, type ProviderErrorCode, type ProviderErrorKind } from './errors';
export type { PollUsageInput, UsageConnector } from './usage-connector';
export { OPENROUTER_WRONG_KEY_MESSAGE } from './openrouter.connector';
