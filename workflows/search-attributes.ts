import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed keys for the attributes registered from contracts/search-attributes.ts. */
export const OrgIdKey = defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD);
export const ConnectionIdKey = defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const ConnectionStatusKey = defineSearchAttributeKey('ConnectionStatus', SearchAttributeType.KEYWORD);
export const StrikesKey = defineSearchAttributeKey('Strikes', SearchAttributeType.INT);
/** `open`, `closing`, `closed` or `failed`: billing-period workflows, e.g. `BillingStatus = "failed"`. */
export const BillingStatusKey = defineSearchAttributeKey('BillingStatus', SearchAttributeType.KEYWORD);
