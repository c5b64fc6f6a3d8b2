import { z } from 'zod';
import { VerifyReceiptQuery } from '../../../contracts/receipt-api';
import { ReceiptSerial } from '../../../contracts/receipts';
import { verifyReceipt as verifyOffline, type ReceiptVerification } from '../../../sdk/typescript/src';
import { ToolInputError } from '../tool-errors';
import { defineTool, READ_ONLY } from '../tool';
import type { ToolDeps } from './deps';

const Verdict = z.object({
  valid: z.boolean(),
  failures: z.array(z.string()).describe('every reason it is not valid (empty when valid)'),
  warnings: z.array(z.string()),
});

export const VerifyReceiptResult = z.object({
  valid: z.boolean().describe('true only when every check that ran passed'),
  serial: z.string().nullable(),
  keyId: z.string().nullable().describe('the signing key (RFC 7638 thumbprint), published at GET /public/keys'),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  issuedAt: z.string().nullable(),
  server: z.object({ valid: z.boolean(), isFull: z.boolean().describe('false: only the summary (pass the receipt\'s code for the signed payload)') }).nullable()
    .describe('the public verify endpoint\'s verdict by serial: signature, key validity and public log inclusion, checked by CarbonPlan'),
  offline: Verdict.extend({ log: z.enum(['verified', 'absent', 'skipped', 'failed']).describe('public log inclusion proof, when the receipt carries one') }).nullable()
    .describe('recomputed here, trusting nothing in the receipt: canonical form, digest, Ed25519 signature, key validity window and log proof, against the published keys'),
  payload: z.record(z.string(), z.unknown()).nullable().describe('the signed receipt (organization, period, totals with bounds, per-model lines, retired credits) when available'),
});

type Result = z.infer<typeof VerifyReceiptResult>;

const text = (v: unknown) => (typeof v === 'string' ? v : null);
const periodOf = (payload: Record<string, unknown>) => {
  const p = payload.period as Record<string, unknown> | undefined;
  return typeof p?.start === 'string' && typeof p?.end === 'string' ? { start: p.start, end: p.end } : null;
};
const offlineOf = (v: ReceiptVerification): NonNullable<Result['offline']> => ({ valid: v.isValid, failures: v.failures, warnings: v.warnings, log: v.log });

export const verifyReceipt = ({ api }: ToolDeps) => defineTool({
  name: 'verify_receipt',
  title: 'Verify a carbon receipt',
  description: [
    'Check that a CarbonPlan carbon receipt is authentic and unaltered: signed by a published CarbonPlan key that was valid when it was issued, and recorded in the public transparency log.',
    'Give EITHER serial (e.g. "CL-202610-AB3CD", from list_receipts or printed on the PDF), optionally with the receipt\'s code (printed on the PDF and in its verify link) to get the full signed payload, OR receipt: the receipt JSON itself (what the verify link returns with the code), which is then checked here independently of the server.',
    'With a serial and code the signed payload is also re-checked here. Works without an API key. Read `valid` first; `offline.failures` say what is wrong with a receipt that is not valid.',
  ].join('\n'),
  inputSchema: z.object({
    serial: ReceiptSerial.optional().describe('the receipt serial, CL-YYYYMM-XXXXX'),
    code: VerifyReceiptQuery.shape.code.describe('with serial: the receipt\'s verification code, for the full signed payload'),
    receipt: z.record(z.string(), z.unknown()).optional().describe('instead of serial: the receipt JSON ({ payload, signature, log, ... }) to verify offline'),
  }).strict(),
  outputSchema: VerifyReceiptResult,
  annotations: READ_ONLY,
  isAuthenticated: false,
  handler: async ({ serial, code, receipt }, { signal }): Promise<Result> => {
    if ((serial === undefined) === (receipt === undefined)) throw new ToolInputError('give exactly one of serial or receipt');
    if (receipt !== undefined) {
      if (code !== undefined) throw new ToolInputError('code goes with serial; a receipt JSON is verified without it');
      const checked = verifyOffline(receipt, await api.receipts.publicKeys({ signal }));
      const payload = (receipt.payload ?? null) as Record<string, unknown> | null;
      return {
        valid: checked.isValid, serial: checked.serial ?? null, keyId: checked.keyId ?? null, period: payload ? periodOf(payload) : null,
        issuedAt: payload ? text(payload.issuedAt) : null, server: null, offline: offlineOf(checked), payload,
      };
    }
    const answer = await api.receipts.lookup(serial!, code === undefined ? {} : { code }, { signal });
    if (!('payload' in answer)) {
      return { valid: answer.valid, serial: answer.serial, keyId: answer.keyId, period: answer.period, issuedAt: answer.issuedAt, server: { valid: answer.valid, isFull: false }, offline: null, payload: null };
    }
    // The full answer is itself a receipt file: check it here too, so the verdict does not rest on the server's word alone.
    const checked = verifyOffline(answer, await api.receipts.publicKeys({ signal }));
    return {
      valid: answer.valid && checked.isValid, serial: answer.serial, keyId: answer.keyId, period: periodOf(answer.payload), issuedAt: text(answer.payload.issuedAt),
      server: { valid: answer.valid, isFull: true }, offline: offlineOf(checked), payload: answer.payload,
    };
  },
});
