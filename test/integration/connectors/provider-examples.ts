/** The example bodies of shared/reference/providers.md (§2.8, §3.8, §4.7), verbatim, as fixtures. */

export const OPENAI_EXAMPLE_PAGE = {
  object: 'page',
  data: [
    {
      object: 'bucket', start_time: 1767225600, end_time: 1767229200,
      results: [
        {
          object: 'organization.usage.completions.result',
          input_tokens: 120500, input_cached_tokens: 64000,
          input_cache_write_tokens: 0, input_uncached_tokens: 56500,
          output_tokens: 8200, input_audio_tokens: 0, output_audio_tokens: 0,
          num_model_requests: 42,
          project_id: 'proj_abc123', user_id: null, api_key_id: null,
          model: 'gpt-4o-mini-2024-07-18', batch: null, service_tier: null,
        },
        {
          object: 'organization.usage.completions.result',
          input_tokens: 5000, input_cached_tokens: 0, output_tokens: 900,
          num_model_requests: 3,
          project_id: 'proj_abc123', user_id: null, api_key_id: null,
          model: 'gpt-4.1-2025-04-14', batch: null, service_tier: null,
        },
      ],
    },
    { object: 'bucket', start_time: 1767229200, end_time: 1767232800, results: [] },
  ],
  has_more: true,
  next_page: 'page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=',
};

export const ANTHROPIC_EXAMPLE_REPORT = {
  data: [
    {
      starting_at: '2026-01-01T00:00:00Z', ending_at: '2026-01-01T01:00:00Z',
      results: [
        {
          uncached_input_tokens: 15230,
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 4096 },
          cache_read_input_tokens: 81920,
          output_tokens: 6120,
          server_tool_use: { web_search_requests: 3 },
          api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', workspace_id: null,
          model: 'claude-sonnet-4-20250514', service_tier: null, context_window: null,
        },
      ],
    },
    { starting_at: '2026-01-01T01:00:00Z', ending_at: '2026-01-01T02:00:00Z', results: [] },
  ],
  has_more: false,
  next_page: null,
};

/** The official reference example as providers.md §3.8 describes it (daily bucket, has_more true). */
export const ANTHROPIC_REFERENCE_REPORT = {
  data: [
    {
      starting_at: '2025-08-01T00:00:00Z', ending_at: '2025-08-02T00:00:00Z',
      results: [
        {
          uncached_input_tokens: 1500,
          cache_creation: { ephemeral_1h_input_tokens: 1000, ephemeral_5m_input_tokens: 500 },
          cache_read_input_tokens: 200,
          output_tokens: 500,
          server_tool_use: { web_search_requests: 10 },
          api_key_id: null, workspace_id: null,
          model: 'claude-sonnet-4-20250514', service_tier: 'standard', context_window: '0-200k',
        },
      ],
    },
  ],
  has_more: true,
  next_page: 'page_MjAyNS0wNS0xNFQwMDowMDowMFo=',
};

export const OPENROUTER_EXAMPLE_ACTIVITY = {
  data: [
    {
      date: '2026-01-01', model: 'openai/gpt-4.1', model_permaslug: 'openai/gpt-4.1-2025-04-14',
      endpoint_id: '550e8400-e29b-41d4-a716-446655440000', provider_name: 'OpenAI',
      usage: 0.015, byok_usage_inference: 0, requests: 5,
      prompt_tokens: 50, completion_tokens: 125, reasoning_tokens: 25,
    },
    {
      date: '2026-01-01', model: 'anthropic/claude-sonnet-4', model_permaslug: 'anthropic/claude-4-sonnet-20250522',
      endpoint_id: '6f1c2b7e-0000-4000-8000-000000000001', provider_name: 'Anthropic',
      usage: 0.4212, byok_usage_inference: 0, requests: 12,
      prompt_tokens: 98000, completion_tokens: 8400, reasoning_tokens: 0,
    },
  ],
};

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
