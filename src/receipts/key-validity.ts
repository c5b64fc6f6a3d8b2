/**
 * Whether a key's signature on a receipt issued at `issuedAt` counts. Pure, shared by the verify endpoint and the
 * offline verifier:
 * - issued before the key existed: invalid (a key cannot have signed it honestly);
 * - revoked (compromise) at or before issuedAt: invalid; revoked after it: valid, with a warning, because the key
 *   was later compromised and a backdated forgery cannot be told apart from the signature alone;
 * - retired (rotation) never invalidates what it signed; a receipt claiming a time after retirement plus
 *   ROTATION_GRACE_MS (a signer that picked the key just before the rotation) is invalid: the key no longer signs.
 */
export const ROTATION_GRACE_MS = 10 * 60 * 1000;

export interface KeyValidityWindow {
  createdAt: Date | string;
  retiredAt: Date | string | null;
  revokedAt: Date | string | null;
}

export type KeyVerdict =
  | { status: 'valid'; warning?: undefined }
  | { status: 'valid-with-warning'; warning: string }
  | { status: 'invalid'; reason: string };

const ms = (t: Date | string): number => (t instanceof Date ? t.getTime() : Date.parse(t));

export function keyVerdictAt(key: KeyValidityWindow, issuedAt: Date | string): KeyVerdict {
  const issued = ms(issuedAt);
  const created = ms(key.createdAt);
  if (Number.isNaN(issued)) return { status: 'invalid', reason: 'issuedAt is not an instant' };
  if (Number.isNaN(created)) return { status: 'invalid', reason: 'the key has no valid creation time' };
  if (key.revokedAt !== null) {
    const revoked = ms(key.revokedAt);
    if (Number.isNaN(revoked) || issued >= revoked) {
      return { status: 'invalid', reason: `the signing key was revoked at ${String(key.revokedAt)}, at or before the receipt's issuedAt` };
    }
  }
  if (issued < created) return { status: 'invalid', reason: `the receipt's issuedAt is before the signing key was created (${String(key.createdAt)})` };
  if (key.retiredAt !== null && issued > ms(key.retiredAt) + ROTATION_GRACE_MS) {
    return { status: 'invalid', reason: `the receipt's issuedAt is after the signing key was retired (${String(key.retiredAt)})` };
  }
  if (key.revokedAt !== null) {
    return { status: 'valid-with-warning', warning: `the signing key was revoked at ${String(key.revokedAt)} (after this receipt was issued): treat with care` };
  }
  return { status: 'valid' };
}
