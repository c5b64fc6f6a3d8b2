import type { Readable } from 'node:stream';
import type { RequestOptions } from '../http-client';
import type { ExportParams } from '../types';
import { Resource } from './resource';

/** A download as it arrives: `body` is a Node Readable, and the object itself iterates the body's chunks. */
export interface Download extends AsyncIterable<Buffer> {
  body: Readable;
  contentType: string | null;
  /** From Content-Disposition, when the server names one. */
  filename: string | undefined;
}

export function toDownload(response: Response, body: Readable): Download {
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1];
  return { body, contentType: response.headers.get('content-type'), filename, [Symbol.asyncIterator]: () => body[Symbol.asyncIterator]() };
}

/** Every usage event of the range, streamed (CSV, RFC 4180, or a JSON array): never held whole in memory. */
export class Export extends Resource {
  async stream(params: ExportParams = {}, options?: RequestOptions): Promise<Download> {
    const accept = params.format === 'json' ? 'application/json' : 'text/csv, application/json';
    const { response, body } = await this.http.stream({ method: 'GET', path: '/api/v1/export', query: params, accept, options });
    return toDownload(response, body);
  }
}
