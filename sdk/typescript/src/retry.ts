/**
 * When to retry and how long to wait. Full jitter on an exponential backoff keeps many clients that failed together
 * from retrying together; a server's Retry-After wins over the backoff because the server knows when it recovers.
 */

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** 429, 5xx, and a 409 that says the same idempotent request is still running; never a 503 for a missing setting. */
export function isRetryableStatus(status: number, code: string | undefined): boolean {
  if (code === 'BILLING_NOT_CONFIGURED') return false;
  if (code === 'IDEMPOTENCY_KEY_IN_USE') return true;
  return status === 429 || status >= 500;
}

/** Backoff before retry number `retry` (1-based): a random delay in [half, full] of initial·2^(retry-1), capped. */
export function backoffDelay(retry: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, initialMs * 2 ** (retry - 1));
  return full / 2 + random() * (full / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve, reject) => {
  if (signal?.aborted) { reject(signal.reason); return; }
  const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(timer); reject(signal!.reason); };
  signal?.addEventListener('abort', onAbort, { once: true });
});
