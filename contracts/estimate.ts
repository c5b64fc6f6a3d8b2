import { z } from 'zod';
import { Tier } from './emissions';
import { plainText } from './common';
import { Provider } from './usage';

/** Ten billion tokens in one estimate is far beyond any real request; larger values are input mistakes. */
export const MAX_TOKENS = 10_000_000_000;
const tokens = (what: string) => z.number({ error: `${what} must be a number` }).int('must be a whole number').min(0, 'must not be negative').max(MAX_TOKENS, `must be at most ${MAX_TOKENS}`);

/** A decimal string (exact, no exponent), used for every energy and CO2e figure. */
export const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/).describe('a decimal number as a string, to keep exact values');
export const Bounds = z.object({ central: Decimal, low: Decimal, high: Decimal });
export type Bounds = z.infer<typeof Bounds>;

export const EstimateRequest = z.object({
  model: plainText().min(1, 'must not be empty').max(200),
  provider: Provider.optional().describe('selects the data-centre PUE; the default PUE when omitted'),
  inputTokens: tokens('inputTokens').describe('every prompt token, including cachedTokens and cacheWriteTokens'),
  outputTokens: tokens('outputTokens').describe('every generated token, including reasoningTokens'),
  cachedTokens: tokens('cachedTokens').default(0).describe('prompt tokens read from a cache (part of inputTokens)'),
  cacheWriteTokens: tokens('cacheWriteTokens').default(0).describe('prompt tokens written to a cache (part of inputTokens)'),
  reasoningTokens: tokens('reasoningTokens').default(0).describe('the reasoning part of outputTokens; informational'),
}).strict()
  .refine((r) => r.cachedTokens + r.cacheWriteTokens <= r.inputTokens, { path: ['cachedTokens'], message: 'cachedTokens + cacheWriteTokens cannot exceed inputTokens' })
  .refine((r) => r.reasoningTokens <= r.outputTokens, { path: ['reasoningTokens'], message: 'reasoningTokens cannot exceed outputTokens (they are part of it)' });
export type EstimateRequest = z.infer<typeof EstimateRequest>;

export const EstimateResponse = z.object({
  model: z.string(),
  tier: Tier,
  matchedRule: z.string(),
  isUnmatched: z.boolean().describe('true when no rule matched and the wide fallback bounds were used'),
  factorVersion: z.string(),
  energyWh: Bounds,
  co2eG: Bounds,
});
export type EstimateResponse = z.infer<typeof EstimateResponse>;
