import { z } from 'zod';

/** The public log (RFC 9162 Merkle tree, C2SP checkpoints). Hashes are standard base64 (RFC 4648 §4), indexes 0-based. */

const Size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Base64Hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a SHA-256 hash in standard base64');
export const ReceiptSerial = z.string().regex(/^CL-[0-9]{6}-[0-9A-HJKMNP-TV-Z]{5}$/, 'a receipt serial: CL-YYYYMM-XXXXX');

export const InclusionProofQuery = z.object({
  serial: ReceiptSerial,
  /** A signed tree size; defaults to the newest checkpoint. */
  treeSize: Size.min(1).optional(),
}).strict();
export type InclusionProofQuery = z.infer<typeof InclusionProofQuery>;

export const InclusionProofResponse = z.object({
  index: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  /** RFC 9162 §2.1.3 PATH(index, D[treeSize]), leaf side first. */
  inclusionProof: z.array(Base64Hash),
  /** The signed checkpoint of `treeSize` (C2SP signed note) whose root the proof leads to. */
  checkpoint: z.string(),
});
export type InclusionProofResponse = z.infer<typeof InclusionProofResponse>;

export const ConsistencyProofQuery = z.object({ from: Size, to: Size }).strict();
export type ConsistencyProofQuery = z.infer<typeof ConsistencyProofQuery>;

export const ConsistencyProofResponse = z.object({
  from: z.number().int().min(0),
  to: z.number().int().min(0),
  /** RFC 9162 §2.1.4 PROOF(from, D[to]); empty when from is 0 or equals to. */
  proof: z.array(Base64Hash),
});
export type ConsistencyProofResponse = z.infer<typeof ConsistencyProofResponse>;

export const LogEntriesQuery = z.object({ start: Size, end: Size }).strict();
export type LogEntriesQuery = z.infer<typeof LogEntriesQuery>;

export const LogEntry = z.object({
  index: z.number().int().min(0),
  /** d(index): the receipt's payloadSha256 (hex); the leaf hash is SHA-256(0x00 ‖ its 32 bytes). */
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  leafHash: Base64Hash,
});
export const LogEntriesResponse = z.object({
  /** The newest signed tree size; `entries` stops there. */
  treeSize: z.number().int().min(0),
  entries: z.array(LogEntry),
});
export type LogEntriesResponse = z.infer<typeof LogEntriesResponse>;

/** GET /public/log/checkpoint: the newest checkpoint as a C2SP signed note (text). */
export const SignedCheckpointNote = z.string().describe('origin line, tree size, base64 root hash, blank line, then `— <key name> <base64 signature>` lines');
