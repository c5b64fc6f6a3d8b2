import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../errors';
import { isStripeOutage } from '../../integrations/stripe';
import type { AppDeps } from '../deps';

/**
 * `POST /webhooks/stripe`, mounted with a raw body parser before the JSON one: the signature covers the exact
 * bytes. A bad signature is a 400 before anything is read or written; a processed event (or a redelivery of one)
 * answers 200; a failure half-way is a 5xx, so Stripe delivers it again and processing resumes.
 */
export function stripeWebhook(deps: AppDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const webhooks = deps.services.stripeWebhooks;
    const event = webhooks.verify(body, req.headers['stripe-signature']);
    const outcome = await webhooks.handle(event).catch((err: unknown) => {
      // Stripe itself unreachable while we re-read the event's objects: a 503 says so, and Stripe delivers again.
      if (isStripeOutage(err)) throw new AppError('SERVICE_UNAVAILABLE', `Stripe could not be reached to process ${event.id}; it is processed when Stripe delivers it again`);
      throw err;
    });
    res.status(200).json({ received: true, eventId: event.id, outcome });
  };
}
