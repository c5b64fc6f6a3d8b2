/**
 * A provider base URL in the form our request paths expect: origin plus any proxy path, without the API version
 * (our paths start with `/v1/`). OPENAI_BASE_URL and OPENROUTER_BASE_URL share their names with the official
 * SDKs' variables, whose values end in the version (`https://api.openai.com/v1`, `https://openrouter.ai/api/v1`);
 * Anthropic's SDK value has none (`https://api.anthropic.com`). Either form, trailing slash or not, works.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  // A query or fragment would end up before our path; configuration never needs one.
  if (url.search || url.hash) throw new Error(`base URL must not carry a query or fragment: ${url.origin}${url.pathname}`);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/i, '');
  return `${url.origin}${path}`;
}
