import type { Tier } from '../../../contracts/emissions';
import { defaultEngine } from '../../../src/emissions';

// Methodology §5.3, transcribed row by row (left column, then right column).
const EXPECTED: Array<[string, Tier]> = [
  ['gpt-4o-mini-2024-07-18', 'small'],
  ['gpt-4o-2024-08-06', 'large'],
  ['GPT-4o-2024-08-06', 'large'],
  ['chatgpt-4o-latest', 'large'],
  ['gpt-4.1', 'large'],
  ['gpt-4.1-mini', 'mid'],
  ['gpt-4.1-nano', 'small'],
  ['o1', 'reasoning'],
  ['o3-2025-04-16', 'reasoning'],
  ['o1-mini', 'mid'],
  ['o3-mini', 'mid'],
  ['o4-mini', 'mid'],
  ['o4-mini-deep-research', 'mid'],
  ['o1-pro', 'frontier_xl'],
  ['o3-pro', 'frontier_xl'],
  ['gpt-5-pro', 'frontier_xl'],
  ['gpt-5.2-pro', 'frontier_xl'],
  ['gpt-4', 'frontier_xl'],
  ['gpt-4.5-preview', 'frontier_xl'],
  ['gpt-5', 'reasoning'],
  ['gpt-5-codex', 'reasoning'],
  ['gpt-5.1', 'reasoning'],
  ['gpt-5-mini', 'mid'],
  ['gpt-5.1-codex-mini', 'mid'],
  ['gpt-5-nano', 'small'],
  ['gpt-5-chat-latest', 'large'],
  ['gpt-5.2-chat-latest', 'large'],
  ['gpt-3.5-turbo', 'mid'],
  ['deepseek/deepseek-chat-v3-0324', 'large'],
  ['deepseek/deepseek-r1-0528:free', 'reasoning'],
  ['deepseek/deepseek-r1-distill-llama-70b', 'mid'],
  ['openai/gpt-oss-120b', 'mid'],
  ['x-ai/grok-4', 'large'],
  ['moonshotai/kimi-k2', 'large'],
  ['claude-3-haiku-20240307', 'small'],
  ['claude-3-5-haiku-20241022', 'mid'],
  ['anthropic/claude-3.5-haiku', 'mid'],
  ['claude-haiku-4-5', 'mid'],
  ['claude-sonnet-4-20250514', 'large'],
  ['anthropic/claude-sonnet-4', 'large'],
  ['anthropic/claude-sonnet-4.5', 'large'],
  ['anthropic/claude-3.7-sonnet:thinking', 'large'],
  ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'large'],
  ['claude-sonnet-4@20250514', 'large'],
  ['claude-opus-4-1-20250805', 'frontier_xl'],
  ['anthropic/claude-opus-4.1', 'frontier_xl'],
  ['claude-opus-4-5', 'frontier_xl'],
  ['meta-llama/llama-3.1-8b-instruct', 'small'],
  ['meta-llama/llama-3.3-70b-instruct', 'mid'],
  ['meta-llama/llama-4-maverick', 'mid'],
  ['meta-llama/llama-3.1-405b-instruct', 'frontier_xl'],
  ['mistralai/mistral-small-3.2-24b-instruct', 'small'],
  ['mistralai/mistral-nemo', 'small'],
  ['mistralai/codestral-2501', 'small'],
  ['mistralai/mixtral-8x7b-instruct', 'mid'],
  ['mistralai/mistral-medium-3', 'mid'],
  ['mistralai/mistral-large-2411', 'large'],
  ['google/gemini-2.5-flash', 'mid'],
  ['google/gemini-2.0-flash-001', 'mid'],
  ['google/gemini-2.5-flash-lite', 'small'],
  ['google/gemma-3-27b-it:free', 'small'],
  ['google/gemini-2.5-pro', 'reasoning'],
  ['qwen/qwen3-235b-a22b', 'mid'],
  ['qwen/qwen-2.5-72b-instruct', 'mid'],
  ['qwen/qwen3-30b-a3b', 'small'],
  ['openai/gpt-oss-20b', 'small'],
  ['x-ai/grok-3-mini', 'mid'],
  ['some/unknown-model', 'fallback'],
];

describe('methodology §5.3 expected tiers', () => {
  const engine = defaultEngine();

  it('covers the whole table', () => {
    expect(EXPECTED).toHaveLength(68);
    expect(new Set(EXPECTED.map(([id]) => id)).size).toBe(68);
  });

  it.each(EXPECTED)('%s -> %s', (modelId, tier) => {
    const result = engine.classify(modelId);
    expect(result.tier).toBe(tier);
    expect(result.isUnmatched).toBe(tier === 'fallback');
  });
});

describe('rule ordering', () => {
  const engine = defaultEngine();

  it.each([
    // Each id would also match a broader, later rule; the earlier, narrower glob must win.
    ['gpt-4o-mini', 'gpt-4o-mini*', 'small'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini*', 'mid'],
    ['gpt-5-nano', 'gpt-5-nano*', 'small'],
    ['gpt-5-pro', 'gpt-5-pro*', 'frontier_xl'],
    ['gpt-5-chat-latest', 'gpt-5-chat*', 'large'],
    ['deepseek-r1-distill-llama-70b', 'deepseek-r1-distill*', 'mid'],
    ['o1-mini', 'o1-mini*', 'mid'],
    ['o1-pro', 'o1-pro*', 'frontier_xl'],
    ['gemini-2.5-flash-lite', 'gemini-*-flash-lite*', 'small'],
    ['grok-3-mini', 'grok-*-mini*', 'mid'],
  ] as const)('%s matches %s (%s)', (modelId, rule, tier) => {
    expect(engine.classify(modelId)).toMatchObject({ matchedRule: rule, tier });
  });

  it('reports the glob that matched, including the catch-all', () => {
    expect(engine.classify('anthropic/claude-sonnet-4.5').matchedRule).toBe('claude-sonnet-4*');
    expect(engine.classify('o1').matchedRule).toBe('o1');
    expect(engine.classify('totally-new-model')).toMatchObject({ tier: 'fallback', matchedRule: '*', isUnmatched: true });
  });

  it('keeps the vendor prefix for PUE selection', () => {
    expect(engine.classify('meta-llama/llama-3.1-8b-instruct')).toMatchObject({
      vendor: 'meta-llama',
      normalisedId: 'llama-3.1-8b-instruct',
    });
    expect(engine.classify('gpt-4o').vendor).toBeNull();
  });

  it('caches the classification per raw id', () => {
    expect(engine.classify('gpt-4.1-mini')).toBe(engine.classify('gpt-4.1-mini'));
  });
});
