// Dashboard sign-in with Clerk (production's way): the `__session` cookie verified networklessly with the
// instance's JWT key, Clerk's handshake redirect for document requests, the hosted sign-in for everyone else,
// clerk-js from the instance's Frontend API allowed by name in the CSP. Tokens are minted exactly as Clerk signs them.
import { createTenant, type TestTenant } from '../../factories/tenants';
import { createClerkTestKeys, mintClerkToken, type MintOptions } from '../../helpers/clerk';
import { csrfOf, get, post, startPagesServer, textOf, type PagesServer } from './pages-server';

const keys = createClerkTestKeys();
const FAPI = 'https://example.clerk.accounts.dev';
let server: PagesServer;
let tenant: TestTenant;

/** The cookies a signed-in browser of a development instance holds: session, client "last active" and dev browser. */
function clerkCookies(options: MintOptions = {}, clientUat = Math.floor(Date.now() / 1000) - 60): string {
  const token = mintClerkToken(keys, { orgId: tenant.clerkOrgId, ...options });
  return `__session=${token}; __client_uat=${clientUat}; __clerk_db_jwt=dvb_test`;
}
const DOCUMENT = { 'Sec-Fetch-Dest': 'document', Accept: 'text/html' };

beforeAll(async () => {
  server = await startPagesServer({ clerk: keys, localSignIn: false });
  tenant = await createTenant(server.deps.dataSource, 'Clerk Org');
});
afterAll(async () => server?.close());

describe('pages with Clerk', () => {
  it('a valid __session cookie opens the pages of its active organization, with clerk-js from the Frontend API', async () => {
    const res = await get(`${server.url}/`, { Cookie: clerkCookies(), ...DOCUMENT });
    const html = await res.text();
    expect({ status: res.status, body: res.status === 200 ? 'page' : html.slice(0, 300) }).toEqual({ status: 200, body: 'page' });
    expect(textOf(html)).toContain('Clerk Org');
    expect(html).toContain(`src="${FAPI}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"`);
    const csp = res.headers.get('content-security-policy')!;
    const scriptSrc = /script-src ([^;]+)/.exec(csp)![1];
    expect(scriptSrc).toBe(`'self' ${FAPI}`);
    expect(csp).toMatch(new RegExp(`connect-src 'self' ${FAPI}`));
  });

  it('sends a visitor without a session to Clerk\'s hosted sign-in, coming back to the page asked for', async () => {
    const res = await get(`${server.url}/models?range=year`, { Cookie: '__clerk_db_jwt=dvb_test' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://example.accounts.dev/sign-in');
    expect(location.searchParams.get('redirect_url')).toBe(`${server.url}/models?range=year`);
    expect(location.searchParams.get('__clerk_db_jwt')).toBe('dvb_test');
  });

  it('an expired session cookie on a document request gets Clerk\'s handshake redirect (307 to the Frontend API)', async () => {
    const res = await get(`${server.url}/connections`, { Cookie: clerkCookies({ expiresIn: -120 }, Math.floor(Date.now() / 1000) - 3600), ...DOCUMENT });
    expect(res.status).toBe(307);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${FAPI}/v1/client/handshake`);
    expect(location.searchParams.get('redirect_url')).toBe(`${server.url}/connections`);
    // Not a document (a fetch): no handshake, just signed out.
    const fetched = await get(`${server.url}/connections`, { Cookie: clerkCookies({ expiresIn: -120 }) });
    expect(fetched.status).toBe(302);
    expect(fetched.headers.get('location')).toMatch(/^https:\/\/example\.accounts\.dev\/sign-in\?/);
  });

  it('refuses a token for another site (azp) or signed by another key, and asks for an organization when none is active', async () => {
    for (const cookie of [clerkCookies({ azp: 'https://evil.example' }), `__session=${mintClerkToken(createClerkTestKeys(), { orgId: tenant.clerkOrgId })}; __client_uat=1; __clerk_db_jwt=x`]) {
      const res = await get(`${server.url}/`, { Cookie: cookie });
      expect(res.status).toBe(302);
    }
    const noOrg = await get(`${server.url}/`, { Cookie: clerkCookies({ orgId: null }), ...DOCUMENT });
    expect(noOrg.status).toBe(403);
    expect(textOf(await noOrg.text())).toContain('Your session has no active organization');
  });

  it('org:member may not upgrade; the CSRF token is bound to the Clerk session', async () => {
    const member = clerkCookies({ orgRole: 'member' });
    const billing = await (await get(`${server.url}/billing`, { Cookie: member, ...DOCUMENT })).text();
    expect(textOf(billing)).toContain('Only an organization admin can change the plan; your role is org:member.');
    expect(billing).not.toContain('action="/billing/checkout"');
    const csrf = csrfOf(billing);
    // The same Clerk session (sid) keeps its token across refreshed __session cookies.
    expect(csrfOf(await (await get(`${server.url}/connections`, { Cookie: clerkCookies({ orgRole: 'member' }), ...DOCUMENT })).text())).toBe(csrf);
    const checkout = await post(`${server.url}/billing/checkout`, { plan: 'pro', _csrf: csrf }, { Cookie: member, Origin: server.url });
    expect(checkout.status).toBe(403);
    expect(textOf(await checkout.text())).toContain('this action requires the org:admin role'.replace(/^t/, 'T'));
    const other = mintClerkToken(keys, { orgId: tenant.clerkOrgId, extraClaims: { sid: 'sess_other' } });
    const foreign = await post(`${server.url}/billing/checkout`, { plan: 'pro', _csrf: csrf }, { Cookie: `__session=${other}; __client_uat=1; __clerk_db_jwt=x`, Origin: server.url });
    expect(foreign.status).toBe(403);
    expect(textOf(await foreign.text())).toContain('This form is out of date');
  });
});
