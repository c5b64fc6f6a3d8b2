import { startAnthropicFake, type AnthropicFake } from '../fakes/anthropic.fake';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai.fake';
import { startOpenRouterFake, type OpenRouterFake } from '../fakes/openrouter.fake';

/** Keys each fake accepts; anything else is refused the way the real provider refuses it. */
export const GOOD_KEYS = {
  openai: 'sk-admin-good-0000000000000000openai1',
  anthropic: 'sk-ant-admin01-good-000000000anthropic',
  openrouter: 'sk-or-v1-management-000000000000router',
} as const;
export const OPENROUTER_INFERENCE_KEY = 'sk-or-v1-inference-0000000000000000000';

export interface ProviderFakes {
  openai: OpenAIFake;
  anthropic: AnthropicFake;
  openrouter: OpenRouterFake;
  /** Base URL settings pointing the app at the fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** An Anthropic admin key of another organization than GOOD_KEYS.anthropic's. */
export const OTHER_ANTHROPIC_ORG = { key: 'sk-ant-admin01-otherorg-000000anthropic', id: '87654321-4321-8765-4321-876543218765', name: 'Other Org' };

/** An OpenAI admin key of another organization than GOOD_KEYS.openai's. */
export const OTHER_OPENAI_ORG = { key: 'sk-admin-otherorg-00000000000000openai', id: 'org-OtherOpenAIOrg0002', name: 'other-org', title: 'Other OpenAI Org' };

export async function startProviderFakes(options: { now?: () => Date; extraKeys?: Partial<Record<keyof typeof GOOD_KEYS, string[]>> } = {}): Promise<ProviderFakes> {
  const [openai, anthropic, openrouter] = await Promise.all([
    startOpenAIFake({
      adminKeys: [GOOD_KEYS.openai, ...(options.extraKeys?.openai ?? [])],
      keyOrganizations: { [OTHER_OPENAI_ORG.key]: { id: OTHER_OPENAI_ORG.id, name: OTHER_OPENAI_ORG.name, title: OTHER_OPENAI_ORG.title } },
      now: options.now,
    }),
    startAnthropicFake({
      adminKeys: [GOOD_KEYS.anthropic, ...(options.extraKeys?.anthropic ?? [])],
      keyOrganizations: { [OTHER_ANTHROPIC_ORG.key]: { id: OTHER_ANTHROPIC_ORG.id, name: OTHER_ANTHROPIC_ORG.name } },
      now: options.now,
    }),
    startOpenRouterFake({ managementKeys: [GOOD_KEYS.openrouter, ...(options.extraKeys?.openrouter ?? [])], inferenceKeys: [OPENROUTER_INFERENCE_KEY], now: options.now }),
  ]);
  return {
    openai, anthropic, openrouter,
    env: { OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_BASE_URL: anthropic.baseUrl, OPENROUTER_BASE_URL: openrouter.baseUrl },
    close: async () => { await Promise.all([openai.close(), anthropic.close(), openrouter.close()]); },
  };
}
