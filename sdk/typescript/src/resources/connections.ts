import { Connection, ConnectionList, SyncAccepted } from '../../../../contracts/connections';
import type { RequestOptions } from '../http-client';
import { PageIterator } from '../pagination';
import type { CreateConnectionRequest, ListParams } from '../types';
import { Resource, segment } from './resource';

/** Provider connections: each polls one provider account's usage. */
export class Connections extends Resource {
  list(params: ListParams = {}, options?: RequestOptions): PageIterator<ConnectionList> {
    return new PageIterator((cursor) => this.http.json({ method: 'GET', path: '/api/v1/connections', query: { ...params, cursor }, options }, ConnectionList), params.cursor);
  }

  get(id: string, options?: RequestOptions): Promise<Connection> {
    return this.http.json({ method: 'GET', path: `/api/v1/connections/${segment(id)}`, options }, Connection);
  }

  /** Validates the key with the provider first (422 ValidationError when it refuses it). */
  create(body: CreateConnectionRequest, options?: RequestOptions): Promise<Connection> {
    return this.http.json({ method: 'POST', path: '/api/v1/connections', body, options }, Connection);
  }

  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.http.empty({ method: 'DELETE', path: `/api/v1/connections/${segment(id)}`, options });
  }

  /** Asks for a poll now (one per connection per 5 minutes: ConflictError otherwise). */
  sync(id: string, options?: RequestOptions): Promise<SyncAccepted> {
    return this.http.json({ method: 'POST', path: `/api/v1/connections/${segment(id)}/sync`, options }, SyncAccepted);
  }

  move(id: string, projectId: string, options?: RequestOptions): Promise<Connection> {
    return this.http.json({ method: 'PUT', path: `/api/v1/connections/${segment(id)}/project`, body: { projectId }, options }, Connection);
  }

  replaceKey(id: string, apiKey: string, options?: RequestOptions): Promise<Connection> {
    return this.http.json({ method: 'PUT', path: `/api/v1/connections/${segment(id)}/key`, body: { apiKey }, options }, Connection);
  }
}
