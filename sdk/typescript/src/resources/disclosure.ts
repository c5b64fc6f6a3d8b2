import { Disclosure as DisclosureDocument } from '../../../../contracts/disclosure';
import type { RequestOptions } from '../http-client';
import type { DisclosureParams } from '../types';
import { toDownload, type Download } from './export';
import { Resource } from './resource';

/** Scope 3 category 1 disclosure of the AI usage: a year (`year`), a range of months (`from`, `to`), or this year. */
export class Disclosure extends Resource {
  get(params: DisclosureParams = {}, options?: RequestOptions): Promise<DisclosureDocument> {
    return this.http.json({ method: 'GET', path: '/api/v1/disclosure', query: { ...params, format: 'json' }, options }, DisclosureDocument);
  }

  /** The same figures as CSV: one row per month, provider, model, project and region. */
  async csv(params: DisclosureParams = {}, options?: RequestOptions): Promise<Download> {
    const { response, body } = await this.http.stream({ method: 'GET', path: '/api/v1/disclosure', query: { ...params, format: 'csv' }, accept: 'text/csv', options });
    return toDownload(response, body);
  }
}
