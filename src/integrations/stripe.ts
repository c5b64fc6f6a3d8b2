import Stripe from 'stripe';
import type { Config } from '../config';

/**
 * The Stripe API version every request states. Pinned here, not left to the SDK's default, so a minor upgrade of
 * `stripe` cannot change the shape of the objects we read; the type is the installed SDK's own version, so an
 * upgrade that moves it fails the typecheck until this line is changed on purpose.
 */
export const STRIPE_API_VERSION = '2026-11-18.endive' satisfies Stripe.LatestApiVersion;

export type StripeClient = Stripe;

export interface StripeClientOptions {
  /** stripe-node retries connection errors, 409 and 5xx with the same Idempotency-Key; default 2. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

/** host, port and protocol of `STRIPE_API_BASE_URL`; stripe-node adds every path itself. */
export function stripeAddress(baseUrl: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * The one way to build a Stripe client: the pinned API version, the configured base URL (api.stripe.com when
 * unset) and no telemetry. Null when billing is not configured (no STRIPE_SECRET_KEY).
 */
export function createStripeClient(stripe: Config['stripe'], options: StripeClientOptions = {}): StripeClient | null {
  if (!stripe.secretKey) return null;
  return new Stripe(stripe.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    ...(stripe.apiBaseUrl ? stripeAddress(stripe.apiBaseUrl) : {}),
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
  });
}

/** Stripe down, slow or rate limiting us (after stripe-node's own retries): worth retrying, never our configuration. */
export function isStripeOutage(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeRateLimitError
    || (err instanceof Stripe.errors.StripeAPIError && (err.statusCode ?? 500) >= 500);
}
