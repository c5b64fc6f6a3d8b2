/**
 * Custom Temporal search attributes, registered on every server we start (dev server, docker-compose)
 * so operators can filter workflows in the Web UI, e.g. `Strikes >= 3 AND Provider = "openai"`.
 * Plain data so both workflow code and server launchers can use it.
 */
export const SEARCH_ATTRIBUTES = {
  OrgId: 'Keyword',
  ConnectionId: 'Keyword',
  Provider: 'Keyword',
  ConnectionStatus: 'Keyword',
  Strikes: 'Int',
  BillingStatus: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
