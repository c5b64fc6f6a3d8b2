import { BillingStatusResponse } from '../../../../contracts/billing';
import type { RequestOptions } from '../http-client';
import { Resource } from './resource';

export class Billing extends Resource {
  /** Plan, subscription and billing periods (newest first). */
  status(options?: RequestOptions): Promise<BillingStatusResponse> {
    return this.http.json({ method: 'GET', path: '/api/v1/billing/status', options }, BillingStatusResponse);
  }
}
