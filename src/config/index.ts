import { z } from 'zod';
import { checkClerkJwtKey } from './clerk-key';
import { commaList, httpUrl, parseEnv, port } from './env';

export { ConfigError } from './env';

const metricsPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const Schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: port(3000),
    // The address the API (and its dashboard pages) listens on. The dev launcher sets 127.0.0.1 (LOCAL_SIGN_IN_KEY needs it).
    API_HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_BASE_URL: httpUrl.optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    // A Postgres that accepts TCP but never answers, a runaway query or a transaction left open must not hold a
    // request (or a pool connection) for ever. 0 disables the statement and idle-in-transaction limits.
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
    TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('carbonplan'),
    CLERK_PUBLISHABLE_KEY: z.string().regex(/^pk_(test|live)_/, 'must start with pk_test_ or pk_live_').optional(),
    CLERK_SECRET_KEY: z.string().min(1).optional(),
    CLERK_JWT_KEY: z.string().optional(),
    CLERK_AUTHORIZED_PARTIES: commaList,
    // The dashboard sends people without a session here; default: the instance's Account Portal (from the publishable key).
    CLERK_SIGN_IN_URL: httpUrl.optional(),
    // Embedded defaults only: the HMAC key (32 random bytes, base64) of the launcher's one-time dashboard sign-in links
    // and of the page session cookies they set. The launcher makes a new one at every start. Loopback API_HOST only.
    LOCAL_SIGN_IN_KEY: z.string().optional(),
    CORS_ORIGINS: commaList,
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    RATE_LIMIT_API_PER_MINUTE: z.coerce.number().int().min(1).default(100),
    RATE_LIMIT_PUBLIC_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    RATE_LIMIT_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
    RATE_LIMIT_REDIS_PREFIX: z.string().min(1).default('carbonplan:rl:'),
    // A silent Redis must cost a request no more than this before the limiter lets it through uncounted.
    RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(5_000).default(150),
    // Prometheus endpoints on their own ports, loopback by default: never reachable through the API's port.
    // 0 picks a free port (tests, several workers on one host).
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: metricsPort(9464),
    WORKER_METRICS_PORT: metricsPort(9465),
    // With or without the API version (the SDKs' https://api.openai.com/v1 works too): the connectors normalise it.
    OPENAI_BASE_URL: httpUrl.default('https://api.openai.com'),
    ANTHROPIC_BASE_URL: httpUrl.default('https://api.anthropic.com'),
    OPENROUTER_BASE_URL: httpUrl.default('https://openrouter.ai/api'),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must start with sk_test_, sk_live_, rk_test_ or rk_live_').optional(),
    STRIPE_WEBHOOK_SECRET: z.string().optional(),
    // stripe-node takes a host, port and protocol and hard-codes every path (/v1/...): a base URL with a path would
    // be silently dropped, so it is refused.
    STRIPE_API_BASE_URL: httpUrl.refine((u) => new URL(u).pathname === '/' && !new URL(u).search, 'must be scheme://host[:port] only (stripe-node adds /v1/... itself)').optional(),
    STRIPE_PRICE_PRO: z.string().regex(/^price_/, 'must be a Stripe price id (price_...)').optional(),
    STRIPE_PRICE_ENTERPRISE: z.string().regex(/^price_/, 'must be a Stripe price id (price_...)').optional(),
    BILLING_SUCCESS_URL: httpUrl.optional(),
    BILLING_CANCEL_URL: httpUrl.optional(),
    // Late usage still lands this long after a billing period ends; the period's totals are taken after it.
    RECEIPT_GRACE_SECONDS: z.coerce.number().int().min(0).max(30 * 86_400).default(172_800),
    // An earlier closed period whose current central CO2e differs from its receipts by more than this gets an
    // adjustment receipt when a later period closes. A decimal string: it is compared exactly, never as a float.
    ADJUSTMENT_THRESHOLD_KG: z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal number of kg, e.g. 0.001').default('0.001'),
    // The public log's checkpoint origin and log key name: a schema-less URL, fixed for the log's life (it is inside
    // the key ID that verifiers pin), so changing it starts a new log in the eyes of every verifier.
    TRANSPARENCY_LOG_ORIGIN: z.string().regex(/^[^\s+\p{Cc}]+$/u, 'a schema-less URL without spaces or "+", e.g. carbonplan.example/receipts').default('carbonplan.local/receipts'),
    AWS_REGION: z.string().default('us-east-1'),
    AWS_ENDPOINT_URL: httpUrl.optional(),
    S3_BUCKET: z.string().default('carbonplan-local'),
    // Receipt PDFs: rendered by this Chromium (Debian's package; puppeteer never downloads one) and stored in S3 or,
    // on embedded defaults, a local folder. A missing browser only skips PDFs; issuing goes on.
    CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
    RECEIPT_STORAGE: z.enum(['s3', 'local']).default('local'),
    RECEIPT_LOCAL_DIR: z.string().min(1).default('.data/receipts'),
    RECEIPT_PDF_PAGES: z.coerce.number().int().min(1).max(16).default(2),
    // Audit pack zips: S3 (S3_BUCKET) or a local folder, like receipt PDFs unless set apart. The API serves what the
    // worker wrote, so both must name the same place.
    AUDIT_PACK_STORAGE: z.enum(['s3', 'local']).optional(),
    AUDIT_PACK_LOCAL_DIR: z.string().min(1).default('.data/audit-packs'),
    SECRETS_BACKEND: z.enum(['aws', 'local']).default('local'),
    SECRETS_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/, 'letters, digits and /_+=.@- only').default('carbonplan/dev'),
    SECRETS_LOCAL_DIR: z.string().default('.data/secrets'),
    SECRETS_MASTER_KEY: z.string().optional(),
    BACKFILL_DAYS: z.coerce.number().int().min(0).max(90).default(30),
    // New pollers poll at :05 plus a stable per-connection share of this many minutes, so thousands of
    // connections never hit a provider or Postgres in the same second. 0: every poller at :05.
    POLL_SPREAD_MINUTES: z.coerce.number().int().min(0).max(54).default(50),
    // Polls one worker process runs against one provider at once; more wait their turn (heartbeating).
    PROVIDER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
    API_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
    // Above the idle timeout of the load balancer in front (AWS ALB: 60 s), so the balancer, not the API, closes
    // idle connections: otherwise it may send a request on a socket the API is closing (a 502).
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(65_000),
  })
  .superRefine((env, ctx) => {
    const clerkSet = [env.CLERK_PUBLISHABLE_KEY, env.CLERK_SECRET_KEY, env.CLERK_JWT_KEY].filter(Boolean).length;
    if (clerkSet > 0 && clerkSet < 3) {
      for (const name of ['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY', 'CLERK_JWT_KEY'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when Clerk is configured (set all three, or none to accept API keys only)' });
      }
    }
    if (env.NODE_ENV === 'production' && env.CLERK_JWT_KEY && env.CLERK_AUTHORIZED_PARTIES.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['CLERK_AUTHORIZED_PARTIES'], message: 'required with Clerk when NODE_ENV=production: the dashboard origins allowed in a session token\'s azp claim (a token minted for another site must not be accepted)' });
    }
    if (env.LOCAL_SIGN_IN_KEY) {
      const key = Buffer.from(env.LOCAL_SIGN_IN_KEY, 'base64');
      if (key.length !== 32) ctx.addIssue({ code: 'custom', path: ['LOCAL_SIGN_IN_KEY'], message: 'must be 32 random bytes, base64 (openssl rand -base64 32)' });
      // A sign-in link needs no password: only people on this machine may be able to reach it.
      if (!isLoopbackHost(env.API_HOST)) ctx.addIssue({ code: 'custom', path: ['LOCAL_SIGN_IN_KEY'], message: `needs API_HOST on loopback (127.0.0.1 or ::1), not ${env.API_HOST}` });
      if (env.NODE_ENV === 'production') ctx.addIssue({ code: 'custom', path: ['LOCAL_SIGN_IN_KEY'], message: 'is for the embedded defaults (npm start) only, never NODE_ENV=production: sign in with Clerk' });
    }
    if (env.CLERK_JWT_KEY) {
      const problem = checkClerkJwtKey(env.CLERK_JWT_KEY);
      if (problem) ctx.addIssue({ code: 'custom', path: ['CLERK_JWT_KEY'], message: problem });
    }
    if (env.STRIPE_SECRET_KEY) {
      for (const name of ['STRIPE_PRICE_PRO', 'STRIPE_PRICE_ENTERPRISE', 'BILLING_SUCCESS_URL', 'BILLING_CANCEL_URL'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when STRIPE_SECRET_KEY is set (leave STRIPE_SECRET_KEY unset to run without billing)' });
      }
    }
    if (env.SECRETS_BACKEND === 'local') {
      const key = env.SECRETS_MASTER_KEY ? Buffer.from(env.SECRETS_MASTER_KEY, 'base64') : undefined;
      if (!key || key.length !== 32) ctx.addIssue({ code: 'custom', path: ['SECRETS_MASTER_KEY'], message: 'required with SECRETS_BACKEND=local: 32 random bytes, base64 (openssl rand -base64 32)' });
    }
  });

type Env = z.infer<typeof Schema>;

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  port: number;
  /** The address the API listens on (0.0.0.0 unless set; the dev launcher uses 127.0.0.1). */
  apiHost: string;
  publicBaseUrl?: string;
  /** Timeouts in ms; 0 disables the statement or idle-in-transaction limit (migrations and bulk jobs may need that). */
  database: { url: string; poolSize: number; connectTimeoutMs: number; statementTimeoutMs: number; idleInTransactionTimeoutMs: number };
  temporal: { address: string; namespace: string; taskQueue: string };
  clerk?: { publishableKey: string; secretKey: string; jwtKey: string; authorizedParties: string[] };
  /** Dashboard sign-in: Clerk's hosted page (when Clerk is configured), and the embedded defaults' one-time links. */
  pages: { clerkSignInUrl?: string; localSignInKey?: Buffer };
  http: { corsOrigins: string[]; trustProxyHops: number; apiRatePerMinute: number; publicRatePerMinute: number; rateLimitRedisUrl?: string; rateLimitRedisPrefix: string; rateLimitRedisTimeoutMs: number; keepAliveTimeoutMs: number };
  providers: { openaiBaseUrl: string; anthropicBaseUrl: string; openrouterBaseUrl: string; timeoutMs: number };
  /** Billing is off (billing endpoints answer 503 BILLING_NOT_CONFIGURED) unless `secretKey` is set; then prices and URLs are set too. */
  stripe: { secretKey?: string; webhookSecret?: string; apiBaseUrl?: string; prices: { pro?: string; enterprise?: string } };
  /** Where Checkout sends the customer back; `receiptGraceSeconds`: late usage still counts this long after a period ends. */
  billing: { successUrl?: string; cancelUrl?: string; receiptGraceSeconds: number };
  /** `thresholdKg`: exact decimal kg CO2e (central) beyond which an earlier period gets an adjustment receipt. */
  adjustments: { thresholdKg: string };
  /** The public log: `origin` is the first line of every checkpoint and the name of the log's signing key. */
  transparencyLog: { origin: string };
  aws: { region: string; endpoint?: string; s3Bucket: string };
  /** Receipt PDFs: the browser, how many pages it keeps open, and where PDFs are stored (S3_BUCKET, or `localDir`). */
  receipts: { chromiumPath: string; pdfPages: number; storage: 's3' | 'local'; localDir: string };
  /** Audit pack zips: S3 (S3_BUCKET) or `localDir`; `storage` defaults to the receipts' (RECEIPT_STORAGE). */
  auditPacks: { storage: 's3' | 'local'; localDir: string };
  secrets: { backend: 'aws' | 'local'; prefix: string; localDir: string; masterKey?: Buffer };
  polling: { backfillDays: number; spreadMinutes: number; providerConcurrency: number };
  /** Prometheus scrape endpoints: the API's and the worker's, each on its own port of `host` (0: a free port). */
  metrics: { host: string; apiPort: number; workerPort: number };
  /** How long a stopping worker lets in-flight activities finish before cancelling them (below the container's stop timeout). */
  worker: { shutdownGraceSeconds: number };
  /** How long a stopping API lets in-flight requests finish before closing their connections. */
  api: { shutdownGraceSeconds: number };
}

/** Parses every setting once; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(Schema, env);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    apiHost: e.API_HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    database: {
      url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    clerk: e.CLERK_JWT_KEY
      ? { publishableKey: e.CLERK_PUBLISHABLE_KEY!, secretKey: e.CLERK_SECRET_KEY!, jwtKey: e.CLERK_JWT_KEY.replace(/\\n/g, '\n'), authorizedParties: e.CLERK_AUTHORIZED_PARTIES }
      : undefined,
    pages: { clerkSignInUrl: e.CLERK_SIGN_IN_URL, localSignInKey: e.LOCAL_SIGN_IN_KEY ? Buffer.from(e.LOCAL_SIGN_IN_KEY, 'base64') : undefined },
    http: { corsOrigins: e.CORS_ORIGINS, trustProxyHops: e.TRUST_PROXY_HOPS, apiRatePerMinute: e.RATE_LIMIT_API_PER_MINUTE, publicRatePerMinute: e.RATE_LIMIT_PUBLIC_PER_MINUTE, rateLimitRedisUrl: e.RATE_LIMIT_REDIS_URL, rateLimitRedisPrefix: e.RATE_LIMIT_REDIS_PREFIX, rateLimitRedisTimeoutMs: e.RATE_LIMIT_REDIS_TIMEOUT_MS, keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    providers: { openaiBaseUrl: e.OPENAI_BASE_URL, anthropicBaseUrl: e.ANTHROPIC_BASE_URL, openrouterBaseUrl: e.OPENROUTER_BASE_URL, timeoutMs: e.PROVIDER_TIMEOUT_MS },
    stripe: { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiBaseUrl: e.STRIPE_API_BASE_URL, prices: { pro: e.STRIPE_PRICE_PRO, enterprise: e.STRIPE_PRICE_ENTERPRISE } },
    billing: { successUrl: e.BILLING_SUCCESS_URL, cancelUrl: e.BILLING_CANCEL_URL, receiptGraceSeconds: e.RECEIPT_GRACE_SECONDS },
    transparencyLog: { origin: e.TRANSPARENCY_LOG_ORIGIN },
    adjustments: { thresholdKg: e.ADJUSTMENT_THRESHOLD_KG },
    aws: { region: e.AWS_REGION, endpoint: e.AWS_ENDPOINT_URL, s3Bucket: e.S3_BUCKET },
    receipts: { chromiumPath: e.CHROMIUM_PATH, pdfPages: e.RECEIPT_PDF_PAGES, storage: e.RECEIPT_STORAGE, localDir: e.RECEIPT_LOCAL_DIR },
    auditPacks: { storage: e.AUDIT_PACK_STORAGE ?? e.RECEIPT_STORAGE, localDir: e.AUDIT_PACK_LOCAL_DIR },
    secrets: { backend: e.SECRETS_BACKEND, prefix: e.SECRETS_PREFIX, localDir: e.SECRETS_LOCAL_DIR, masterKey: e.SECRETS_MASTER_KEY ? Buffer.from(e.SECRETS_MASTER_KEY, 'base64') : undefined },
    polling: { backfillDays: e.BACKFILL_DAYS, spreadMinutes: e.POLL_SPREAD_MINUTES, providerConcurrency: e.PROVIDER_CONCURRENCY },
    worker: { shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS },
    api: { shutdownGraceSeconds: e.API_SHUTDOWN_GRACE_SECONDS },
    metrics: { host: e.METRICS_HOST, apiPort: e.METRICS_PORT, workerPort: e.WORKER_METRICS_PORT },
  };
}
