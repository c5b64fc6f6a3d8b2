import { AuditPackList, AuditPackRequested } from '../../../../contracts/audit-packs';
import type { RequestOptions } from '../http-client';
import { PageIterator } from '../pagination';
import type { AuditPackListParams, RequestAuditPackBody } from '../types';
import { toDownload, type Download } from './export';
import { Resource, segment } from './resource';

/** Audit packs: one zip per closed month and version (paid plans), built by a workflow. */
export class AuditPacks extends Resource {
  /** Newest month first, then newest version; `month` keeps one month's versions. */
  list(params: AuditPackListParams = {}, options?: RequestOptions): PageIterator<AuditPackList> {
    return new PageIterator((cursor) => this.http.json({ method: 'GET', path: '/api/v1/audit-packs', query: { ...params, cursor }, options }, AuditPackList), params.cursor);
  }

  /** Builds the pack of a closed month (or joins the build running): it appears in list() when done. */
  create(body: RequestAuditPackBody, options?: RequestOptions): Promise<AuditPackRequested> {
    return this.http.json({ method: 'POST', path: '/api/v1/audit-packs', body, options }, AuditPackRequested);
  }

  /** The zip as it arrives (a presigned S3 redirect is followed). */
  async download(id: string, options?: RequestOptions): Promise<Download> {
    const { response, body } = await this.http.stream({ method: 'GET', path: `/api/v1/audit-packs/${segment(id)}/download`, accept: 'application/zip', options });
    return toDownload(response, body);
  }
}
