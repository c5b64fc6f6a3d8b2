import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../../src/config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', SECRETS_MASTER_KEY: randomBytes(32).toString('base64') };
const pem = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function errorOf(env: NodeJS.ProcessEnv): string {
  try { loadConfig(env); } catch (err) { expect(err).toBeInstanceOf(ConfigError); return (err as Error).message; }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('applies defaults for an embedded local setup', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'carbonplan' },
      providers: { openaiBaseUrl: 'https://api.openai.com', anthropicBaseUrl: 'https://api.anthropic.com', openrouterBaseUrl: 'https://openrouter.ai/api' },
      secrets: { backend: 'local' },
      polling: { backfillDays: 30 },
    });
    expect(config.clerk).toBeUndefined();
  });

  it('names a missing DATABASE_URL', () => {
    expect(errorOf({ SECRETS_MASTER_KEY: base.SECRETS_MASTER_KEY })).toMatch(/DATABASE_URL/);
  });

  it('names every bad variable at once', () => {
    const message = errorOf({ ...base, PORT: 'eighty', TEMPORAL_ADDRESS: 'no-port', OPENAI_BASE_URL: 'ftp://x', SECRETS_BACKEND: 'vault' });
    for (const name of ['PORT', 'TEMPORAL_ADDRESS', 'OPENAI_BASE_URL', 'SECRETS_BACKEND']) expect(message).toContain(name);
    expect(message).toContain('.env.example');
  });

  it('billing: off without STRIPE_SECRET_KEY, prices and return URLs required with it, base URL without a path', () => {
    expect(loadConfig(base)).toMatchObject({ stripe: { secretKey: undefined, prices: {} }, billing: { receiptGraceSeconds: 172_800 } });
    const message = errorOf({ ...base, STRIPE_SECRET_KEY: 'sk_test_123' });
    for (const name of ['STRIPE_PRICE_PRO', 'STRIPE_PRICE_ENTERPRISE', 'BILLING_SUCCESS_URL', 'BILLING_CANCEL_URL']) expect(message).toContain(`${name}: required when STRIPE_SECRET_KEY is set`);
    const billing = { STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_PRICE_PRO: 'price_pro', STRIPE_PRICE_ENTERPRISE: 'price_ent', BILLING_SUCCESS_URL: 'https://app.test/ok', BILLING_CANCEL_URL: 'https://app.test/billing' };
    expect(loadConfig({ ...base, ...billing, STRIPE_API_BASE_URL: 'http://127.0.0.1:12111', RECEIPT_GRACE_SECONDS: '60' })).toMatchObject({
      stripe: { secretKey: 'sk_test_123', apiBaseUrl: 'http://127.0.0.1:12111', prices: { pro: 'price_pro', enterprise: 'price_ent' } },
      billing: { successUrl: 'https://app.test/ok', cancelUrl: 'https://app.test/billing', receiptGraceSeconds: 60 },
    });
    expect(errorOf({ ...base, ...billing, STRIPE_API_BASE_URL: 'http://127.0.0.1:12111/v1' })).toMatch(/STRIPE_API_BASE_URL: must be scheme:\/\/host\[:port\] only/);
    expect(errorOf({ ...base, ...billing, STRIPE_SECRET_KEY: 'pk_test_123' })).toMatch(/STRIPE_SECRET_KEY/);
  });

  it('requires a 32-byte master key for the local secret store', () => {
    expect(errorOf({ DATABASE_URL: base.DATABASE_URL, SECRETS_MASTER_KEY: 'c2hvcnQ=' })).toMatch(/SECRETS_MASTER_KEY: required with SECRETS_BACKEND=local/);
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, SECRETS_BACKEND: 'aws' })).not.toThrow();
  });

  it('requires all three Clerk settings together and a usable JWT key', () => {
    expect(errorOf({ ...base, CLERK_JWT_KEY: pem(2048) })).toMatch(/CLERK_PUBLISHABLE_KEY.*\n.*CLERK_SECRET_KEY|CLERK_SECRET_KEY/);
    const clerk = { CLERK_PUBLISHABLE_KEY: 'pk_test_abc', CLERK_SECRET_KEY: 'sk_test_x' };
    expect(errorOf({ ...base, ...clerk, CLERK_JWT_KEY: 'not a pem' })).toMatch(/CLERK_JWT_KEY: is not a PEM public key/);
    expect(loadConfig({ ...base, ...clerk, CLERK_JWT_KEY: pem(2048), CLERK_AUTHORIZED_PARTIES: 'https://a.example, https://b.example' }).clerk)
      .toMatchObject({ authorizedParties: ['https://a.example', 'https://b.example'] });
  });

  it('requires CLERK_AUTHORIZED_PARTIES with Clerk in production, naming it', () => {
    const clerk = { CLERK_PUBLISHABLE_KEY: 'pk_live_abc', CLERK_SECRET_KEY: 'sk_live_x', CLERK_JWT_KEY: pem(2048) };
    expect(errorOf({ ...base, ...clerk, NODE_ENV: 'production' })).toMatch(/CLERK_AUTHORIZED_PARTIES: required with Clerk when NODE_ENV=production/);
    expect(loadConfig({ ...base, ...clerk, NODE_ENV: 'production', CLERK_AUTHORIZED_PARTIES: 'https://app.example' }).clerk?.authorizedParties).toEqual(['https://app.example']);
    expect(loadConfig({ ...base, ...clerk, NODE_ENV: 'development' }).clerk?.authorizedParties).toEqual([]);
    // API keys only (no Clerk): there is no session token whose azp could be checked.
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).clerk).toBeUndefined();
  });

  it('public log origin: a default, any schema-less URL, never one with a space or "+" (it names the log key)', () => {
    expect(loadConfig(base).transparencyLog.origin).toBe('carbonplan.local/receipts');
    expect(loadConfig({ ...base, TRANSPARENCY_LOG_ORIGIN: 'log.example.com/receipts' }).transparencyLog.origin).toBe('log.example.com/receipts');
    expect(errorOf({ ...base, TRANSPARENCY_LOG_ORIGIN: 'a b' })).toMatch(/TRANSPARENCY_LOG_ORIGIN/);
    expect(errorOf({ ...base, TRANSPARENCY_LOG_ORIGIN: 'a+b' })).toMatch(/TRANSPARENCY_LOG_ORIGIN/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...base, PORT: '', STRIPE_SECRET_KEY: '' }).port).toBe(3000);
  });
});
