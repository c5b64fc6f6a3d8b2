import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Embedded defaults (npm start): the launcher prints a one-time link that signs the person at this machine in to
// the local organization. Link tokens and session cookies are HMAC-sealed with LOCAL_SIGN_IN_KEY, which the
// launcher makes anew at every start, so a restart ends every link and session. "Used" and "signed out" are kept
// in this process, which is the one API process of the embedded stack.

export const SIGN_IN_TOKEN_TTL_MS = 10 * 60_000;
export const LOCAL_SESSION_TTL_MS = 12 * 3_600_000;
export const LOCAL_SESSION_COOKIE = 'carbonplan_session';

type Purpose = 'sign-in' | 'session';
interface Sealed { orgId: string; expiresAtMs: number; nonce: string }

const mac = (key: Buffer, purpose: Purpose, body: string) => createHmac('sha256', key).update(`carbonplan ${purpose} v1\n${body}`).digest('base64url');

/** `<org id>.<expiry, unix seconds>.<random nonce>.<HMAC>`: an org id is a UUID and base64url has no dots. */
function seal(key: Buffer, purpose: Purpose, orgId: string, expiresAtMs: number): { value: string; nonce: string } {
  const nonce = randomBytes(18).toString('base64url');
  const body = `${orgId}.${Math.floor(expiresAtMs / 1000)}.${nonce}`;
  return { value: `${body}.${mac(key, purpose, body)}`, nonce };
}

function unseal(key: Buffer, purpose: Purpose, value: string): Sealed | null {
  const parts = value.split('.');
  if (parts.length !== 4 || !/^[0-9a-f-]{36}$/.test(parts[0]) || !/^\d{1,12}$/.test(parts[1])) return null;
  const expected = Buffer.from(mac(key, purpose, parts.slice(0, 3).join('.')));
  const given = Buffer.from(parts[3]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { orgId: parts[0], expiresAtMs: Number(parts[1]) * 1000, nonce: parts[2] };
}

/** A one-time sign-in token for `orgId`, valid SIGN_IN_TOKEN_TTL_MS from `now` (the launcher prints it in a link). */
export function mintSignInToken(key: Buffer, orgId: string, now = new Date()): string {
  return seal(key, 'sign-in', orgId, now.getTime() + SIGN_IN_TOKEN_TTL_MS).value;
}

export type RedeemOutcome =
  | { ok: true; orgId: string; cookieValue: string; expiresAt: Date; sessionId: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'used' };

export interface LocalSession { orgId: string; sessionId: string; expiresAt: Date }

/** Ids remembered until their own expiry, then forgotten (the seal has expired by then anyway). */
class ExpiringSet {
  private readonly entries = new Map<string, number>();
  has(id: string): boolean { return this.entries.has(id); }
  add(id: string, expiresAtMs: number, nowMs: number): void {
    for (const [k, exp] of this.entries) if (exp <= nowMs) this.entries.delete(k);
    this.entries.set(id, expiresAtMs);
  }
}

export class LocalSignIn {
  private readonly used = new ExpiringSet();
  private readonly signedOut = new ExpiringSet();

  constructor(private readonly key: Buffer, private readonly now: () => Date = () => new Date()) {}

  /** Trades a link token for a session, once: a second use, an expired or a forged token gets nothing. */
  redeem(token: string): RedeemOutcome {
    const sealed = unseal(this.key, 'sign-in', token);
    if (!sealed) return { ok: false, reason: 'invalid' };
    const nowMs = this.now().getTime();
    if (sealed.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    if (this.used.has(sealed.nonce)) return { ok: false, reason: 'used' };
    this.used.add(sealed.nonce, sealed.expiresAtMs, nowMs);
    const expiresAtMs = nowMs + LOCAL_SESSION_TTL_MS;
    const session = seal(this.key, 'session', sealed.orgId, expiresAtMs);
    return { ok: true, orgId: sealed.orgId, cookieValue: session.value, expiresAt: new Date(expiresAtMs), sessionId: session.nonce };
  }

  /** The session a cookie carries, or null (forged, expired or signed out). */
  session(cookieValue: string | undefined): LocalSession | null {
    if (!cookieValue) return null;
    const sealed = unseal(this.key, 'session', cookieValue);
    if (!sealed || sealed.expiresAtMs <= this.now().getTime() || this.signedOut.has(sealed.nonce)) return null;
    return { orgId: sealed.orgId, sessionId: sealed.nonce, expiresAt: new Date(sealed.expiresAtMs) };
  }

  signOut(session: LocalSession): void {
    this.signedOut.add(session.sessionId, session.expiresAt.getTime(), this.now().getTime());
  }

  /** The CSRF token of a session: only this server can compute it, and only for that session. */
  csrfToken(session: LocalSession): string {
    return createHmac('sha256', this.key).update(`carbonplan csrf v1\n${session.sessionId}`).digest('base64url');
  }
}
