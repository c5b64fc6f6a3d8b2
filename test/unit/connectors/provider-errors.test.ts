import { classifyHttpError } from '../../../src/connectors/classify-http-error';
import { cancellationError, parseRetryAfterMs, ProviderError, redact } from '../../../src/connectors/errors';

const NOW_MS = Date.parse('2026-01-03T10:30:00Z');
const headers = (h: Record<string, string>) => new Headers(h);

describe('parseRetryAfterMs', () => {
  it.each([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Sat, 03 Jan 2026 10:31:00 GMT' }, 60_000],
    [{ 'retry-after': 'Sat, 03 Jan 2026 10:29:00 GMT' }, 0], // a date in the past means "now", never negative
    [{ 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    [{ 'retry-after-ms': 'soon', 'retry-after': '3' }, 3000],
    [{ 'retry-after': 'whenever' }, undefined],
    [{}, undefined],
  ])('%j → %p', (h, expected) => {
    expect(parseRetryAfterMs(headers(h), NOW_MS)).toBe(expected);
  });
});

describe('classifyHttpError', () => {
  const classify = (status: number, body: unknown, h: Record<string, string> = {}, provider: 'openai' | 'anthropic' | 'openrouter' = 'openai') =>
    classifyHttpError({ provider, status, headers: headers(h), bodyText: typeof body === 'string' ? body : JSON.stringify(body), nowMs: NOW_MS });

  it('reads the message and code of each provider envelope', () => {
    expect(classify(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }, { 'retry-after': '20' }))
      .toMatchObject({ kind: 'needs_user_action', code: 'insufficient_quota', providerMessage: 'You exceeded your current quota', retryAfterMs: 20_000 });
    expect(classify(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' }, request_id: 'req_1' }, { 'request-id': 'req_1' }, 'anthropic'))
      .toMatchObject({ kind: 'needs_user_action', code: 'invalid_key', providerMessage: 'invalid x-api-key', requestId: 'req_1' });
    expect(classify(400, { error: { code: 400, message: 'Date must be within the last 30 (completed) UTC days' } }, {}, 'openrouter'))
      .toMatchObject({ kind: 'permanent', code: 'bad_request', providerMessage: 'Date must be within the last 30 (completed) UTC days' });
  });

  it('calls an OpenAI 429 quota only when the body says insufficient_quota, whatever the headers', () => {
    const rateLimit = { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    expect(classify(429, rateLimit)).toMatchObject({ kind: 'transient', code: 'rate_limited', retryAfterMs: undefined });
    expect(classify(429, '')).toMatchObject({ kind: 'transient', code: 'rate_limited' });
    // Seen in the wild: the type alone says quota (code null, or a specific billing code).
    expect(classify(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: null } }))
      .toMatchObject({ kind: 'needs_user_action', code: 'insufficient_quota' });
    expect(classify(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'project_spend_limit_exceeded' } }))
      .toMatchObject({ kind: 'needs_user_action', code: 'insufficient_quota' });
  });

  it('tells an OpenRouter inference key apart from other 403s', () => {
    expect(classify(403, { error: { code: 403, message: 'Only management keys can perform this operation' } }, {}, 'openrouter').code).toBe('wrong_key_type');
    expect(classify(403, { error: { message: 'Country, region, or territory not supported' } }).code).toBe('forbidden');
  });

  it('keeps a non-JSON error body as the message (e.g. a proxy page) and flags redirects', () => {
    expect(classify(502, '<html>Bad gateway</html>')).toMatchObject({ kind: 'transient', providerMessage: '<html>Bad gateway</html>' });
    expect(classify(503, '')).toMatchObject({ kind: 'transient', providerMessage: 'HTTP 503 with no error message' });
    expect(classify(302, '')).toMatchObject({ kind: 'permanent', code: 'unexpected_redirect' });
  });
});

describe('redact and ProviderError', () => {
  it('removes the exact secret and anything key-shaped, and bounds the length', () => {
    expect(redact('token abc123secretXYZ rejected', 'abc123secretXYZ')).toBe('token [REDACTED] rejected');
    expect(redact('key sk-ant-admin01-AbCdEfGhIjKlMnOp is revoked')).toBe('key [REDACTED] is revoked');
    expect(redact('Incorrect API key provided: sk-adm*****6789.')).toBe('Incorrect API key provided: sk-adm*****6789.');
    expect(redact('x'.repeat(900))).toHaveLength(501);
  });

  it('serializes the fields a log line or workflow failure needs', () => {
    const error = new ProviderError({ provider: 'anthropic', kind: 'transient', code: 'server_error', status: 529, providerMessage: 'Overloaded', retryAfterMs: 1000, requestId: 'req_9' });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('anthropic usage API failed (HTTP 529 server_error): Overloaded');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ProviderError', message: error.message, provider: 'anthropic', kind: 'transient', code: 'server_error', status: 529,
      providerMessage: 'Overloaded', retryAfterMs: 1000, requestId: 'req_9', isCredentialRejected: false,
    });
  });
});

describe('cancellationError', () => {
  it("rethrows the signal's Error reason, and wraps any other reason in an AbortError", () => {
    const reason = new Error('activity cancelled');
    expect(cancellationError(AbortSignal.abort(reason))).toBe(reason);
    expect(cancellationError(AbortSignal.abort())).toMatchObject({ name: 'AbortError' }); // the DOMException itself
    const wrapped = cancellationError(AbortSignal.abort('shutdown'));
    expect(wrapped).toMatchObject({ name: 'AbortError', message: 'usage poll cancelled', cause: 'shutdown' });
    expect(wrapped).not.toBeInstanceOf(ProviderError);
  });
});
