import { normaliseModelId } from '../../../src/emissions';

describe('normaliseModelId', () => {
  it.each([
    // [raw, id, vendor]
    ['GPT-4o-2024-08-06', 'gpt-4o-2024-08-06', null],
    ['  gpt-4.1  ', 'gpt-4.1', null],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4-20250514', 'anthropic'],
    ['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku-20241022', 'anthropic'],
    ['apac.anthropic.claude-3-haiku-20240307-v1:0', 'claude-3-haiku-20240307', 'anthropic'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929', 'anthropic'],
    ['anthropic.claude-3-sonnet-20240229-v1:0:200k', 'claude-3-sonnet-20240229', 'anthropic'],
    ['anthropic.claude-3-opus-20240229-v2:0', 'claude-3-opus-20240229', 'anthropic'],
    ['claude-sonnet-4@20250514', 'claude-sonnet-4', null],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-v2', null],
    ['meta-llama/llama-3.1-8b-instruct', 'llama-3.1-8b-instruct', 'meta-llama'],
    ['anthropic/claude-3.7-sonnet:thinking', 'claude-3.7-sonnet', 'anthropic'],
    ['google/gemma-3-27b-it:free', 'gemma-3-27b-it', 'google'],
    ['openai/gpt-4o:beta', 'gpt-4o', 'openai'],
    ['meta-llama/llama-3.3-70b-instruct:nitro', 'llama-3.3-70b-instruct', 'meta-llama'],
    ['openai/gpt-4o:floor', 'gpt-4o', 'openai'],
    ['perplexity/sonar:online', 'sonar', 'perplexity'],
    ['openai/gpt-4o:extended', 'gpt-4o', 'openai'],
    ['moonshotai/kimi-k2:exacto', 'kimi-k2', 'moonshotai'],
    ['deepseek/deepseek-r1:free:nitro', 'deepseek-r1', 'deepseek'],
    // A `-vN` without Bedrock's `:N` is part of the model name.
    ['deepseek/deepseek-v3', 'deepseek-v3', 'deepseek'],
    ['deepseek-chat-v3-0324', 'deepseek-chat-v3-0324', null],
    // Only the last `/` separates the vendor, so the glob never sees a slash.
    ['arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1-20250805', 'arn:aws:bedrock:us-east-1:123:inference-profile'],
    ['', '', null],
  ])('%j -> %j (vendor %j)', (raw, id, vendor) => {
    expect(normaliseModelId(raw)).toEqual({ id, vendor });
  });

  it('does not strip unknown colon suffixes or region-like words inside the id', () => {
    expect(normaliseModelId('my-model:custom').id).toBe('my-model:custom');
    expect(normaliseModelId('claude-us.test').id).toBe('claude-us.test');
  });
});
