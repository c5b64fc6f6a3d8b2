import { ModelUsageList, TelemetrySummary, UsageEventPage } from '../../../../contracts/telemetry';
import type { RequestOptions } from '../http-client';
import { PageIterator } from '../pagination';
import type { EventsParams, TelemetryParams } from '../types';
import { Resource } from './resource';

/** Usage, energy and CO2e with bounds. Ranges are `from` (included) to `to` (excluded), days as YYYY-MM-DD. */
export class Telemetry extends Resource {
  summary(params: TelemetryParams = {}, options?: RequestOptions): Promise<TelemetrySummary> {
    return this.http.json({ method: 'GET', path: '/api/v1/telemetry/summary', query: params, options }, TelemetrySummary);
  }

  models(params: TelemetryParams = {}, options?: RequestOptions): Promise<ModelUsageList> {
    return this.http.json({ method: 'GET', path: '/api/v1/telemetry/models', query: params, options }, ModelUsageList);
  }

  /** Usage events one by one with `for await`, or a page with `await`. */
  events(params: EventsParams = {}, options?: RequestOptions): PageIterator<UsageEventPage> {
    return new PageIterator((cursor) => this.http.json({ method: 'GET', path: '/api/v1/telemetry/events', query: { ...params, cursor }, options }, UsageEventPage), params.cursor);
  }
}
