import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import Redis from 'ioredis';
import type { Logger } from 'pino';

const DECREMENT_IF_PRESENT = `if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0`;

/**
 * A fixed-window counter in Redis: one MULTI creates the key with the window's expiry if it is new, increments
 * it and reads the time left, so every API instance counts against the same window.
 */
class RedisWindowStore implements Store {
  private windowMs = 60_000;
  private lastWarnedAt = 0;
  readonly localKeys = false;

  constructor(private readonly redis: Redis, readonly prefix: string, private readonly logger: Logger) {}

  /** While Redis is not connected, count nothing and let the request through at once (fail open), warning once a minute. */
  private isDown(): boolean {
    if (this.redis.status === 'ready') return false;
    if (Date.now() - this.lastWarnedAt > 60_000) {
      this.lastWarnedAt = Date.now();
      this.logger.warn({ redisStatus: this.redis.status }, 'rate limit store unavailable: requests are not being counted');
    }
    return true;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (this.isDown()) return { totalHits: 1, resetTime: new Date(Date.now() + this.windowMs) };
    const k = this.prefix + key;
    const replies = await this.redis.multi().set(k, '0', 'PX', this.windowMs, 'NX').incr(k).pttl(k).exec();
    if (!replies || replies.some(([err]) => err)) throw replies?.find(([err]) => err)?.[0] ?? new Error('rate limit counter: no reply from Redis');
    const totalHits = Number(replies[1][1]);
    const ttl = Number(replies[2][1]);
    return { totalHits, resetTime: new Date(Date.now() + (ttl > 0 ? ttl : this.windowMs)) };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    if (this.isDown()) return undefined;
    const k = this.prefix + key;
    const [hits, ttl] = await Promise.all([this.redis.get(k), this.redis.pttl(k)]);
    return hits === null ? undefined : { totalHits: Number(hits), resetTime: new Date(Date.now() + Math.max(ttl, 0)) };
  }

  /** Gives a hit back within its window only: a bare DECR after the key expired would leave a key without expiry. */
  async decrement(key: string): Promise<void> {
    if (this.isDown()) return;
    await this.redis.eval(DECREMENT_IF_PRESENT, 1, this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    if (this.isDown()) return;
    await this.redis.del(this.prefix + key);
  }
}

export interface RateLimitStores {
  api?: Store;
  public?: Store;
  /** Resolves once the shared store is connected (at once without one). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Shared counters for several API instances (N instances with memory stores would allow N × the limit).
 * Without a Redis URL each process counts alone, which is right for one instance (and for `npm start`).
 * While Redis is away requests are let through uncounted (fail open: an outage of the counter store must not
 * take the API down with it); a command that fails or times out mid-flight does the same through passOnStoreError.
 */
export function createRateLimitStores(options: { redisUrl?: string; prefix: string; logger: Logger; timeoutMs?: number }): RateLimitStores {
  if (!options.redisUrl) return { ready: async () => undefined, close: async () => undefined };
  const timeoutMs = options.timeoutMs ?? 150;
  const redis = new Redis(options.redisUrl, {
    // A Redis that accepts TCP and never answers: every command gives up after timeoutMs (the limiter then lets
    // the request through), nothing queues while disconnected, and no command is retried on a new connection.
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(timeoutMs, 1000),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  redis.on('error', () => undefined); // surfaced per request through the limiter instead
  return {
    api: new RedisWindowStore(redis, `${options.prefix}api:`, options.logger),
    public: new RedisWindowStore(redis, `${options.prefix}public:`, options.logger),
    ready: () => (redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', () => resolve()))),
    close: async () => { redis.disconnect(); },
  };
}
