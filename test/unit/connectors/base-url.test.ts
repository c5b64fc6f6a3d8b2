import { buildUrl } from '../../../src/connectors/http';
import { normalizeBaseUrl } from '../../../src/connectors/base-url';

describe('normalizeBaseUrl', () => {
  it.each([
    // The official SDKs' values (OPENAI_BASE_URL, OPENROUTER_BASE_URL end in the version) and ours.
    ['https://api.openai.com/v1', 'https://api.openai.com'],
    ['https://api.openai.com/v1/', 'https://api.openai.com'],
    ['https://api.openai.com', 'https://api.openai.com'],
    ['https://api.openai.com/', 'https://api.openai.com'],
    ['https://openrouter.ai/api/v1', 'https://openrouter.ai/api'],
    ['https://openrouter.ai/api/v1/', 'https://openrouter.ai/api'],
    ['https://openrouter.ai/api', 'https://openrouter.ai/api'],
    ['https://openrouter.ai/api/', 'https://openrouter.ai/api'],
    ['https://api.anthropic.com', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/v1', 'https://api.anthropic.com'],
    // A proxy path is kept; only a trailing version segment goes.
    ['http://127.0.0.1:8080/openai/v1//', 'http://127.0.0.1:8080/openai'],
    ['https://gw.example/v1beta', 'https://gw.example/v1beta'],
    ['https://gw.example/v1/openai', 'https://gw.example/v1/openai'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });

  it('gives the same request URL for both forms', () => {
    for (const base of ['https://openrouter.ai/api/v1/', 'https://openrouter.ai/api']) {
      expect(buildUrl(normalizeBaseUrl(base), '/v1/activity', { date: '2026-01-01' })).toBe('https://openrouter.ai/api/v1/activity?date=2026-01-01');
    }
  });

  it('refuses a query or fragment, which would land before the request path', () => {
    expect(() => normalizeBaseUrl('https://api.openai.com/v1?x=1')).toThrow(/query or fragment/);
    expect(() => normalizeBaseUrl('https://api.openai.com#v1')).toThrow(/query or fragment/);
  });
});
