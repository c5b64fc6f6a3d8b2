/** The public log's pure parts, for the API, the worker, the offline verifier and the SDK: no database, no Express. */
export {
  CheckpointError, formatCheckpointBody, formatVerifierKey, noteKeyId, parseAndVerifyCheckpoint, parseVerifierKey, signCheckpoint,
  type Checkpoint, type LogSigner, type VerifierKey,
} from './checkpoint';
export {
  EMPTY_ROOT, MemoryTree, hashChildren, hashLeaf, leafHashOfPayload, verifyConsistency, verifyInclusion,
} from './merkle';
export { verifyReceiptInLog, type LogVerdict, type ReceiptLogProof } from './verify';
