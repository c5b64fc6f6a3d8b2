/**
 * Name-addressed secret storage. A ref is the secret's full name (`carbonplan/dev/org/<org>/connection/<id>`):
 * the same string for every backend, derived only from server-side values and stored in Postgres in place of
 * the secret. Values never appear in errors or logs.
 */
export type SecretTags = Record<string, string>;

export interface SecretStore {
  /** Creates the secret or overwrites its value (restoring one pending deletion); returns the ref to persist. */
  put(ref: string, value: string, tags: SecretTags): Promise<string>;
  /** Overwrites an existing secret's value, keeping its tags. SecretNotFoundError if there is none. */
  replace(ref: string, value: string): Promise<void>;
  /** SecretNotFoundError if missing or deleted. */
  get(ref: string): Promise<string>;
  /** Deletes at once, without a recovery window, so the name can be reused; missing is not an error. */
  delete(ref: string): Promise<void>;
}

export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  constructor(readonly ref: string) {
    super(`secret not found: ${ref}`);
  }
}

/** The stored bytes exist but cannot be trusted: wrong master key, tampered, or moved to another ref. */
export class SecretUnreadableError extends Error {
  override readonly name = 'SecretUnreadableError';
  constructor(readonly ref: string, reason: string) {
    super(`secret ${ref} cannot be read: ${reason}`);
  }
}

// Secrets Manager's name alphabet; a name must not end in "-" plus six characters, which looks like the random
// suffix AWS appends to ARNs and makes partial-ARN lookups ambiguous.
const REF_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN_SUFFIX_LOOKALIKE = /-[A-Za-z0-9]{6}$/;
const MAX_VALUE_BYTES = 65_536;

export function assertValidRef(ref: string): void {
  if (!REF_PATTERN.test(ref) || ARN_SUFFIX_LOOKALIKE.test(ref)) throw new Error(`invalid secret ref: ${JSON.stringify(ref)}`);
}

export function assertValidValue(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0 || bytes > MAX_VALUE_BYTES) throw new Error(`secret value must be 1..${MAX_VALUE_BYTES} bytes`);
}
