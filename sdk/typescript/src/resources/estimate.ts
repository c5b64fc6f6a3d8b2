import { EstimateResponse } from '../../../../contracts/estimate';
import type { RequestOptions } from '../http-client';
import type { EstimateParams } from '../types';
import { Resource } from './resource';

/** Energy and CO2e (with bounds) of one request's tokens. */
export class Estimate extends Resource {
  create(body: EstimateParams, options?: RequestOptions): Promise<EstimateResponse> {
    return this.http.json({ method: 'POST', path: '/api/v1/estimate', body, options }, EstimateResponse);
  }

  /** The same estimate without an account (POST /public/estimate, limited per IP): needs no API key. */
  createPublic(body: EstimateParams, options?: RequestOptions): Promise<EstimateResponse> {
    return this.http.json({ method: 'POST', path: '/public/estimate', body, options }, EstimateResponse);
  }
}
