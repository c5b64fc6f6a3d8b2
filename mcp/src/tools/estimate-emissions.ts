import { z } from 'zod';
import { EstimateRequest, EstimateResponse } from '../../../contracts/estimate';
import { defineTool, READ_ONLY } from '../tool';
import type { ToolDeps } from './deps';

const field = EstimateRequest.shape;

export const estimateEmissions = ({ api }: ToolDeps) => defineTool({
  name: 'estimate_emissions',
  title: 'Estimate energy and CO2e of a model request',
  description: [
    'Estimate the energy (Wh) and emissions (grams CO2e) of one request to an AI model from its token counts, with low/central/high bounds and the factor version used.',
    'Use it to answer "what does a call to model X with N tokens emit?", to compare models or prompt sizes, or to price caching (cached input is far cheaper than uncached).',
    'Needs no account or API key. Figures are exact decimal strings. tier "fallback" with isUnmatched true means the model name is unknown and the wide fallback bounds were used: check the spelling (e.g. "gpt-4o-2024-08-06", "claude-sonnet-4-20250514").',
    'For an organization\'s measured usage rather than a hypothetical request, use get_summary.',
  ].join('\n'),
  inputSchema: z.object({
    model: field.model.describe('the model id as the provider names it, e.g. "gpt-4o-mini", "claude-sonnet-4-20250514", "meta-llama/llama-3.1-70b-instruct"'),
    provider: field.provider.describe('who serves the model: openai, anthropic or openrouter; sets the data-centre PUE (a default PUE when omitted)'),
    inputTokens: field.inputTokens.describe('all prompt tokens, INCLUDING cachedTokens and cacheWriteTokens'),
    outputTokens: field.outputTokens.describe('all generated tokens, INCLUDING reasoningTokens'),
    cachedTokens: field.cachedTokens.describe('prompt tokens read from the provider\'s cache (part of inputTokens); default 0'),
    cacheWriteTokens: field.cacheWriteTokens.describe('prompt tokens written to the cache (part of inputTokens); default 0'),
    reasoningTokens: field.reasoningTokens.describe('the reasoning part of outputTokens (informational, already counted in outputTokens); default 0'),
  }).strict(),
  outputSchema: EstimateResponse,
  annotations: READ_ONLY,
  isAuthenticated: false,
  // The public twin of POST /api/v1/estimate (same contract and figures), so the tool works without a key.
  handler: (body, { signal }) => api.estimate.createPublic(body, { signal }),
});
