import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** A 2048-bit RSA key pair standing in for a Clerk instance: tokens are minted exactly as Clerk signs them. */
export interface ClerkTestKeys { privateKey: KeyObject; publicKeyPem: string }

export function createClerkTestKeys(modulusLength = 2048): ClerkTestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength, publicExponent: 65537 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

export const TEST_AUTHORIZED_PARTY = 'http://localhost:3000';
/** `pk_test_` + base64("example.clerk.accounts.dev$"): syntactically valid, never contacted. */
export const TEST_PUBLISHABLE_KEY = `pk_test_${Buffer.from('example.clerk.accounts.dev$').toString('base64').replace(/=+$/, '')}`;

export interface MintOptions {
  orgId?: string | null;
  orgRole?: string;
  userId?: string;
  /** Seconds relative to now. */
  expiresIn?: number;
  notBeforeIn?: number;
  azp?: string | null;
  /** v2 puts the organization in `o`; v1 uses `org_id`. */
  claimsVersion?: 1 | 2;
  header?: Record<string, unknown>;
  extraClaims?: Record<string, unknown>;
  omit?: string[];
}

export function mintClerkToken(keys: ClerkTestKeys, options: MintOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const orgId = options.orgId === undefined ? 'org_test' : options.orgId;
  const claims: Record<string, unknown> = {
    sub: options.userId ?? 'user_test',
    sid: 'sess_test',
    iss: 'https://example.clerk.accounts.dev',
    iat: now - 5,
    nbf: now + (options.notBeforeIn ?? -5),
    exp: now + (options.expiresIn ?? 300),
    ...(options.azp === null ? {} : { azp: options.azp ?? TEST_AUTHORIZED_PARTY }),
  };
  if (orgId) {
    if ((options.claimsVersion ?? 2) === 2) Object.assign(claims, { v: 2, o: { id: orgId, rol: options.orgRole ?? 'admin', slg: orgId.replace(/^org_/, '') } });
    else Object.assign(claims, { org_id: orgId, org_role: `org:${options.orgRole ?? 'admin'}`, org_slug: orgId.replace(/^org_/, '') });
  } else if ((options.claimsVersion ?? 2) === 2) {
    claims.v = 2;
  }
  Object.assign(claims, options.extraClaims);
  for (const name of options.omit ?? []) delete claims[name];
  const header = { alg: 'RS256', typ: 'JWT', kid: 'ins_test', ...options.header };
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  return `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), keys.privateKey))}`;
}
