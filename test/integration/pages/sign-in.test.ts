// Dashboard sign-in on the embedded defaults: the launcher's one-time link, the session cookie it sets, sign-out,
// and what a visitor without a session gets. Over HTTP against the real app on loopback.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../src/config';
import { mintSignInToken } from '../../../src/pages/auth/local-sign-in';
import { createTenant, type TestTenant } from '../../factories/tenants';
import { testEnv } from '../../helpers/env';
import { cookiePair, csrfOf, get, post, startPagesServer, textOf, type PagesServer } from './pages-server';

const COOKIE = 'carbonplan_session';
const PAGES = ['/', '/models', '/connections', '/receipts', '/billing'];
let server: PagesServer;
let tenant: TestTenant;

beforeAll(async () => {
  server = await startPagesServer();
  tenant = await createTenant(server.deps.dataSource, 'Sign-in Org');
});
afterAll(async () => server?.close());

async function signIn(): Promise<string> {
  const res = await get(server.signInLink(tenant.orgId));
  expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 303, location: '/' });
  const cookie = cookiePair(res, COOKIE);
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

describe('one-time sign-in link', () => {
  it('sets an httpOnly, SameSite=Strict session cookie and lands on the overview of its organization', async () => {
    const res = await get(server.signInLink(tenant.orgId));
    expect(res.status).toBe(303);
    const line = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Strict/i);
    expect(line).toMatch(/; Path=\//);
    const expires = Date.parse(/Expires=([^;]+)/.exec(line)![1]);
    expect(expires - Date.now()).toBeGreaterThan(11 * 3_600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(12 * 3_600_000 + 1000);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const page = await get(`${server.url}/`, { Cookie: line.split(';')[0] });
    const html = await page.text();
    expect({ status: page.status, type: page.headers.get('content-type') }).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect(textOf(html)).toContain('Sign-in Org');
  });

  it('signs in once: the same link a second time gets no cookie and says it was used', async () => {
    const link = server.signInLink(tenant.orgId);
    expect((await get(link)).status).toBe(303);
    const again = await get(link);
    expect(again.status).toBe(401);
    expect(cookiePair(again, COOKIE)).toBeUndefined();
    expect(textOf(await again.text())).toContain('already used');
  });

  it('refuses a link older than 10 minutes, a forged one and one sealed with another key', async () => {
    const expired = await get(server.signInLink(tenant.orgId, 10 * 60_000 + 1000));
    expect({ status: expired.status, cookie: cookiePair(expired, COOKIE) }).toEqual({ status: 401, cookie: undefined });
    expect(textOf(await expired.text())).toContain('expired');
    const almost = await get(server.signInLink(tenant.orgId, 9 * 60_000));
    expect(almost.status).toBe(303);

    const token = new URL(server.signInLink(tenant.orgId)).searchParams.get('token')!;
    const otherOrg = token.replace(tenant.orgId, '00000000-0000-4000-8000-000000000000');
    const otherKey = mintSignInToken(randomBytes(32), tenant.orgId);
    for (const bad of [otherOrg, otherKey, `${token}x`, 'x']) {
      const res = await get(`${server.url}/login?token=${encodeURIComponent(bad)}`);
      expect({ bad, status: res.status, cookie: cookiePair(res, COOKIE) }).toEqual({ bad, status: 401, cookie: undefined });
    }
  });

  it('without a link, /login explains where it comes from', async () => {
    const res = await get(`${server.url}/login`);
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toMatch(/npm start .* prints a one-time sign-in link/);
  });
});

describe('without a session', () => {
  it('sends every page to sign-in with a 302 (303 for form posts) and shows no data', async () => {
    for (const path of [...PAGES, '/receipts/00000000-0000-4000-8000-000000000000/pdf', '/?range=year']) {
      const res = await get(`${server.url}${path}`);
      expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({ path, status: 302, location: '/login' });
    }
    const sync = await post(`${server.url}/connections/00000000-0000-4000-8000-000000000000/sync`, { _csrf: 'x' });
    expect({ status: sync.status, location: sync.headers.get('location') }).toEqual({ status: 303, location: '/login' });
  });

  it('treats a tampered or foreign session cookie as no session', async () => {
    const cookie = await signIn();
    const [name, value] = cookie.split('=');
    const parts = value.split('.');
    const forged = [`${name}=${['00000000-0000-4000-8000-000000000000', ...parts.slice(1)].join('.')}`, `${name}=${parts.slice(0, 3).join('.')}.AAAA`];
    for (const c of forged) {
      const res = await get(`${server.url}/`, { Cookie: c });
      expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 302, location: '/login' });
    }
  });
});

describe('sign-out', () => {
  it('needs the CSRF token, then ends the session: the old cookie no longer opens a page', async () => {
    const cookie = await signIn();
    const html = await (await get(`${server.url}/billing`, { Cookie: cookie })).text();
    const refused = await post(`${server.url}/logout`, {}, { Cookie: cookie });
    expect(refused.status).toBe(403);
    expect((await get(`${server.url}/`, { Cookie: cookie })).status).toBe(200);

    const out = await post(`${server.url}/logout`, { _csrf: csrfOf(html) }, { Cookie: cookie, Origin: server.url });
    expect({ status: out.status, location: out.headers.get('location') }).toEqual({ status: 303, location: '/login?signed-out' });
    expect(out.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await get(`${server.url}/`, { Cookie: cookie })).status).toBe(302);
  });
});

describe('a new organization', () => {
  it('sees what to do next on every page instead of empty tables', async () => {
    const empty = await createTenant(server.deps.dataSource, 'Empty Org');
    const cookie = cookiePair(await get(server.signInLink(empty.orgId)), COOKIE)!;
    const text = async (path: string) => textOf(await (await get(`${server.url}${path}`, { Cookie: cookie })).text());
    expect(await text('/')).toMatch(/No connections yet Connect a provider .* curl -X POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/connections/);
    expect(await text('/')).toContain('No usage in this range. Connect a provider first (above).');
    expect(await text('/connections')).toContain('No connections yet A connection reads one provider account');
    expect(await text('/models')).toContain('No models in this range');
    expect(await text('/receipts')).toContain('Carbon receipts come with the pro and enterprise plans');
    expect(await text('/billing')).toContain('Billing periods start with a paid subscription.');
  });
});

describe('limits', () => {
  it('pages count against the organization like the API (a 429 page), assets against nothing', async () => {
    const limited = await startPagesServer({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '3', RATE_LIMIT_API_PER_MINUTE: '3' } });
    try {
      const cookie = cookiePair(await get(limited.signInLink(tenant.orgId)), COOKIE)!;
      for (let i = 0; i < 5; i++) expect((await get(`${limited.url}/assets/pages.css`)).status).toBe(200);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await get(`${limited.url}/models`, { Cookie: cookie })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await get(`${limited.url}/`, { Cookie: cookie });
      expect({ status: refused.status, type: refused.headers.get('content-type'), retry: Number(refused.headers.get('retry-after')) > 0 }).toEqual({ status: 429, type: 'text/html; charset=utf-8', retry: true });
      expect(textOf(await refused.text())).toContain('This organization opened more than 3 pages in a minute');
      // Signed-in pages gave their per-IP hits back: the address still has two of its three.
      expect([(await get(`${limited.url}/login`)).status, (await get(`${limited.url}/login`)).status, (await get(`${limited.url}/login`)).status]).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('where the links work', () => {
  it('the link and cookies are refused by configuration unless the API listens on loopback, and never in production', () => {
    const key = randomBytes(32).toString('base64');
    expect(() => loadConfig(testEnv({ LOCAL_SIGN_IN_KEY: key, API_HOST: '0.0.0.0' }))).toThrow(/LOCAL_SIGN_IN_KEY: needs API_HOST on loopback/);
    expect(() => loadConfig(testEnv({ LOCAL_SIGN_IN_KEY: key, API_HOST: '127.0.0.1', NODE_ENV: 'production' }))).toThrow(/never NODE_ENV=production/);
    expect(() => loadConfig(testEnv({ LOCAL_SIGN_IN_KEY: 'short', API_HOST: '127.0.0.1' }))).toThrow(/32 random bytes/);
    expect(loadConfig(testEnv({ LOCAL_SIGN_IN_KEY: key, API_HOST: '127.0.0.1' })).pages.localSignInKey).toHaveLength(32);
  });

  it('a server without the key has no sign-in links at all', async () => {
    const plain = await startPagesServer({ localSignIn: false });
    try {
      const res = await get(plain.signInLink(tenant.orgId));
      expect({ status: res.status, cookie: cookiePair(res, COOKIE) }).toEqual({ status: 404, cookie: undefined });
      expect((await get(`${plain.url}/`)).headers.get('location')).toBe('/login');
    } finally {
      await plain.close();
    }
  });
});
