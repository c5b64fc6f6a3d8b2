import { VerifyReceiptPage, VerifyReceiptParams, VerifyReceiptQuery, VerifyReceiptResponse } from '../../../../contracts/receipt-api';
import { AppError } from '../../../errors';
import { renderVerifyNotFoundPage, renderVerifyPage } from '../../../receipts/verify-page';
import { defineRoute } from '../../route';

/** The page has no script and only inline CSS; nothing else may load, frame it or be submitted from it. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export default defineRoute({
  method: 'get',
  path: '/public/receipts/verify/:serial',
  summary: 'Verifies a receipt by serial, strictly (signature, key validity, public log inclusion). With the receipt\'s code (printed on the PDF and in verifyUrl): valid, payload, canonical (the exact string hashed), payloadSha256, signature (base64url), keyId, publicKey and the log proof with its checkpoint. Without it, or with a wrong one: only valid, serial, period, issuedAt, keyId. `Accept: text/html` gets a page instead. Public, limited per IP.',
  tag: 'receipts',
  auth: 'public',
  params: VerifyReceiptParams,
  query: VerifyReceiptQuery,
  response: { status: 200, schema: VerifyReceiptResponse, alternatives: { 'text/html': VerifyReceiptPage }, description: 'The verification; a page for `Accept: text/html`' },
  errors: [404],
  handler: async ({ params, query, deps, req, res }) => {
    const isPage = req.accepts(['application/json', 'text/html']) === 'text/html';
    res.vary('Accept');
    // The code is a secret: keep the answer out of shared caches and the URL out of Referer headers.
    res.set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' });
    const outcome = await deps.services.receipts.verify(params.serial, query.code);
    if (!isPage) {
      if (!outcome) throw new AppError('NOT_FOUND', 'receipt not found');
      return outcome.body;
    }
    res.set('Content-Security-Policy', PAGE_CSP);
    if (!outcome) {
      res.status(404).type('html').send(renderVerifyNotFoundPage(params.serial));
      return undefined;
    }
    const page = outcome.kind === 'full'
      ? { ...outcome.body, period: periodOf(outcome.body.payload), issuedAt: String(outcome.body.payload.issuedAt ?? '') }
      : outcome.body;
    res.status(200).type('html').send(renderVerifyPage({ ...page, reasons: outcome.reasons }));
    return undefined;
  },
});

function periodOf(payload: Record<string, unknown>): { start: string; end: string } {
  const period = (payload.period ?? {}) as Record<string, unknown>;
  return { start: String(period.start ?? ''), end: String(period.end ?? '') };
}
