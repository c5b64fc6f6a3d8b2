import { ReceiptDetail, ReceiptList, VerifyReceiptResponse } from '../../../../contracts/receipt-api';
import { PublicKeySet } from '../../../../contracts/signing-keys';
import type { RequestOptions } from '../http-client';
import { PageIterator } from '../pagination';
import type { ListParams } from '../types';
import { Resource, segment } from './resource';

/** Signed carbon receipts (paid plans: PlanRequiredError on free). */
export class Receipts extends Resource {
  list(params: ListParams = {}, options?: RequestOptions): PageIterator<ReceiptList> {
    return new PageIterator((cursor) => this.http.json({ method: 'GET', path: '/api/v1/receipts', query: { ...params, cursor }, options }, ReceiptList), params.cursor);
  }

  get(id: string, options?: RequestOptions): Promise<ReceiptDetail> {
    return this.http.json({ method: 'GET', path: `/api/v1/receipts/${segment(id)}`, options }, ReceiptDetail);
  }

  /** The rendered PDF (ConflictError while it is still pending). */
  async pdf(id: string, options?: RequestOptions): Promise<Buffer> {
    const { body } = await this.http.stream({ method: 'GET', path: `/api/v1/receipts/${segment(id)}/pdf`, accept: 'application/pdf', options });
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * The public verification of a serial (no key needed): the full receipt file with its `code`, a summary without.
   * The answer is the server's word; check it yourself offline with verifyReceipt(file, keys).
   */
  lookup(serial: string, params: { code?: string } = {}, options?: RequestOptions): Promise<VerifyReceiptResponse> {
    return this.http.json({ method: 'GET', path: `/public/receipts/verify/${segment(serial)}`, query: params, options }, VerifyReceiptResponse);
  }

  /** Every receipt and log key ever used (GET /public/keys): pin these for verifyReceipt. */
  publicKeys(options?: RequestOptions): Promise<PublicKeySet> {
    return this.http.json({ method: 'GET', path: '/public/keys', accept: 'application/jwk-set+json, application/json', options }, PublicKeySet);
  }
}
