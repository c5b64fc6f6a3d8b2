import { z } from 'zod';
import { page } from './common';
import { ReceiptKind, ReceiptPayload, ReceiptSerial } from './receipts';

/** Where the receipt's PDF stands (rendered after issuing, in its own activity; a receipt never waits for it). */
export const ReceiptPdfState = z.enum(['pending', 'rendered', 'skipped', 'failed']);

export const ReceiptSummary = z.object({
  id: z.uuid(),
  serial: ReceiptSerial,
  kind: ReceiptKind,
  adjusts: ReceiptSerial.nullable(),
  period: z.object({ start: z.string(), end: z.string() }),
  issuedAt: z.string(),
  co2eKg: z.object({ low: z.string(), central: z.string(), high: z.string() }),
  keyId: z.string(),
});
export type ReceiptSummary = z.infer<typeof ReceiptSummary>;

export const ReceiptList = page(ReceiptSummary);
export type ReceiptList = z.infer<typeof ReceiptList>;

export const ReceiptDetail = ReceiptSummary.extend({
  payload: ReceiptPayload,
  payloadSha256: z.string(),
  /** Ed25519 over SHA-256 of the payload's RFC 8785 form, base64url. */
  signature: z.string(),
  credits: ReceiptPayload.shape.credits,
  pdf: z.object({ status: ReceiptPdfState }),
  /** The public verify page with this receipt's code (the code is what the PDF prints; only its hash is stored). */
  verifyUrl: z.string(),
});
export type ReceiptDetail = z.infer<typeof ReceiptDetail>;

export const VerifyReceiptParams = z.object({ serial: ReceiptSerial }).strict();
export const VerifyReceiptQuery = z.object({ code: z.string().max(64).optional() });

export const ReceiptLogProof = z.object({
  index: z.number().int(),
  treeSize: z.number().int(),
  inclusionProof: z.array(z.string()).describe('base64 SHA-256 hashes, as C2SP tlog proofs'),
  checkpoint: z.string().describe('C2SP signed note'),
});

/** Without the receipt's code (or with a wrong one): enough to say the serial exists and whether it verifies. */
export const VerifyReceiptSummary = z.object({
  valid: z.boolean(), serial: ReceiptSerial, period: z.object({ start: z.string(), end: z.string() }), issuedAt: z.string(), keyId: z.string(),
});
export type VerifyReceiptSummary = z.infer<typeof VerifyReceiptSummary>;

export const VerifyReceiptFull = z.object({
  valid: z.boolean(),
  serial: ReceiptSerial,
  payload: z.record(z.string(), z.unknown()),
  canonical: z.string().describe('the exact string that was hashed (RFC 8785)'),
  payloadSha256: z.string(),
  signature: z.string().describe('base64url'),
  keyId: z.string(),
  publicKey: z.string().nullable().describe('the signing key, raw 32 bytes base64url (also at GET /public/keys)'),
  log: ReceiptLogProof.nullable(),
});
export type VerifyReceiptFull = z.infer<typeof VerifyReceiptFull>;

export const VerifyReceiptResponse = z.union([VerifyReceiptFull, VerifyReceiptSummary]);
export type VerifyReceiptResponse = z.infer<typeof VerifyReceiptResponse>;

/** GET /api/v1/receipts/{id}/pdf: the rendered receipt. */
export const ReceiptPdf = z.string().meta({ format: 'binary' }).describe('the PDF document');

/** The verify page GET /public/receipts/verify/{serial} serves for `Accept: text/html`. */
export const VerifyReceiptPage = z.string().describe('an HTML page (no script)');
