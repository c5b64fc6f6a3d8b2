import { randomUUID } from 'node:crypto';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { createConnectionRow, type TestTenant } from '../../../factories/tenants';
import { bucket } from '../../../factories/usage';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';

const keys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '10000' }, keys)); });
afterAll(async () => { await api.close(); });

let orgCounter = 0;
const orgToken = (suffix: string) => `Bearer ${mintClerkToken(keys, { orgId: `org_proj_${suffix}_${Date.now()}_${orgCounter++}` })}`;

async function call(method: 'get' | 'post' | 'patch' | 'delete', url: string, token: string, body?: object) {
  return api.http[method](url).set('Authorization', token).send(body);
}

/** The response, shaped so a wrong status shows the body in the assertion message. */
const outcome = (res: { status: number; body: { error?: { code?: string; field?: string } } }) => ({ status: res.status, code: res.body.error?.code, field: res.body.error?.field, body: res.body });

async function orgIdOf(token: string): Promise<string> {
  return (await call('get', '/api/v1/me', token)).body.organization.id;
}

async function createProject(token: string, body: object): Promise<{ id: string; slug: string; name: string }> {
  const res = await call('post', '/api/v1/projects', token, body);
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
  return res.body;
}

async function defaultsInDb(orgId: string): Promise<Array<{ id: string; slug: string }>> {
  return api.deps.dataSource.query(`SELECT id, slug FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
}

const tenantOf = async (token: string, projectId: string): Promise<TestTenant> => ({ orgId: await orgIdOf(token), clerkOrgId: 'unused', projectId });

describe('POST /api/v1/projects', () => {
  it('creates a project with the given slug, next to the one default project the organization was created with', async () => {
    const token = orgToken('create');
    const res = await call('post', '/api/v1/projects', token, { name: '  Research  ', slug: 'r-and-d' });
    expect(outcome(res)).toMatchObject({ status: 201, body: { name: 'Research', slug: 'r-and-d', isDefault: false, activeConnections: 0 } });
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    expect(Date.now() - Date.parse(res.body.createdAt)).toBeLessThan(60_000);

    const orgId = await orgIdOf(token);
    const [row] = await api.deps.dataSource.query(`SELECT org_id, name, slug, is_default FROM projects WHERE id = $1`, [res.body.id]);
    expect(row).toEqual({ org_id: orgId, name: 'Research', slug: 'r-and-d', is_default: false });
    expect(await defaultsInDb(orgId)).toEqual([{ id: expect.any(String), slug: 'default' }]);

    const got = await call('get', `/api/v1/projects/${res.body.id}`, token);
    expect(outcome(got)).toMatchObject({ status: 200, body: res.body });
  });

  it('derives the slug from the name, with a numeric suffix when it is taken', async () => {
    const token = orgToken('derive');
    const slugs = [];
    for (const name of ['Research', 'research', 'RESEARCH!', 'Café Zürich & Co.', '研究', 'Default']) slugs.push((await createProject(token, { name })).slug);
    expect(slugs).toEqual(['research', 'research-2', 'research-3', 'cafe-zurich-co', 'project', 'default-2']);

    const long = await createProject(token, { name: 'x'.repeat(80) });
    const longAgain = await createProject(token, { name: 'x'.repeat(80) });
    expect([long.slug, longAgain.slug]).toEqual(['x'.repeat(60), `${'x'.repeat(58)}-2`]);
  });

  it('answers 409 naming the slug when an explicit slug is taken, and allows the same slug in another organization', async () => {
    const token = orgToken('collide');
    await createProject(token, { name: 'Research', slug: 'research' });
    const res = await call('post', '/api/v1/projects', token, { name: 'Other', slug: 'research' });
    expect(outcome(res)).toMatchObject({ status: 409, code: 'CONFLICT', field: 'body.slug', body: { error: { details: { slug: 'research' } } } });
    expect(res.body.error.message).toBe('a project with slug "research" already exists in this organization');
    const [{ n }] = await api.deps.dataSource.query(`SELECT count(*)::int AS n FROM projects WHERE org_id = $1`, [await orgIdOf(token)]);
    expect(n).toBe(2);

    const elsewhere = await call('post', '/api/v1/projects', orgToken('collide_other'), { name: 'Research', slug: 'research' });
    expect(outcome(elsewhere)).toMatchObject({ status: 201, body: { slug: 'research' } });
  });

  it.each([
    [{}, 'body.name'],
    [{ name: '' }, 'body.name'],
    [{ name: '   ' }, 'body.name'],
    [{ name: 'x'.repeat(81) }, 'body.name'],
    [{ name: 'Ok', slug: 'Bad Slug' }, 'body.slug'],
    [{ name: 'Ok', slug: 'UPPER' }, 'body.slug'],
    [{ name: 'Ok', slug: 'under_score' }, 'body.slug'],
    [{ name: 'Ok', slug: '-leading' }, 'body.slug'],
    [{ name: 'Ok', slug: '' }, 'body.slug'],
    [{ name: 'Ok', slug: 'a'.repeat(61) }, 'body.slug'],
    [{ name: 'Ok', isDefault: true }, 'body'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const token = orgToken('invalid');
    const res = await call('post', '/api/v1/projects', token, body);
    expect(outcome(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field });
    expect(res.body.error.message.startsWith(`${field}:`)).toBe(true);
    expect((await call('get', '/api/v1/projects', token)).body.data.map((p: { slug: string }) => p.slug)).toEqual(['default']);
  });

  it('says which field is unknown', async () => {
    const res = await call('post', '/api/v1/projects', orgToken('unknown'), { name: 'Ok', color: 'red' });
    expect(outcome(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'body' });
    expect(res.body.error.message).toBe('body: unknown field(s): color');
  });
});

describe('GET /api/v1/projects', () => {
  it('lists every project of the organization in creation order, one page at a time, each exactly once', async () => {
    const token = orgToken('list');
    const created = [];
    for (const name of ['One', 'Two', 'Three']) created.push((await createProject(token, { name })).id);
    const [defaultProject] = await defaultsInDb(await orgIdOf(token));

    const seen: string[] = [];
    const defaults: boolean[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res = await call('get', `/api/v1/projects?limit=1${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(outcome(res)).toMatchObject({ status: 200 });
      seen.push(...res.body.data.map((p: { id: string }) => p.id));
      defaults.push(...res.body.data.map((p: { isDefault: boolean }) => p.isDefault));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([defaultProject.id, ...created]);
    expect(defaults).toEqual([true, false, false, false]);
  });

  it('answers 400 for a cursor it did not issue', async () => {
    const res = await call('get', '/api/v1/projects?cursor=garbage', orgToken('badcursor'));
    expect(outcome(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'query.cursor' });
  });
});

describe('PATCH /api/v1/projects/:id', () => {
  it('renames and re-slugs a project without touching the others', async () => {
    const token = orgToken('rename');
    const project = await createProject(token, { name: 'Research' });
    const other = await createProject(token, { name: 'Other' });
    const res = await call('patch', `/api/v1/projects/${project.id}`, token, { name: 'Research & Development', slug: 'rnd' });
    expect(outcome(res)).toMatchObject({ status: 200, body: { id: project.id, name: 'Research & Development', slug: 'rnd', isDefault: false } });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(res.body.createdAt));

    const renamedOnly = await call('patch', `/api/v1/projects/${project.id}`, token, { name: 'R&D' });
    expect(outcome(renamedOnly)).toMatchObject({ status: 200, body: { name: 'R&D', slug: 'rnd' } });
    expect((await call('get', `/api/v1/projects/${other.id}`, token)).body).toMatchObject({ name: 'Other', slug: 'other' });
  });

  it('answers 409 naming the slug when the new slug is taken, and changes nothing', async () => {
    const token = orgToken('reslug');
    const project = await createProject(token, { name: 'Research' });
    const res = await call('patch', `/api/v1/projects/${project.id}`, token, { name: 'Renamed', slug: 'default' });
    expect(outcome(res)).toMatchObject({ status: 409, code: 'CONFLICT', field: 'body.slug', body: { error: { details: { slug: 'default' } } } });
    expect(res.body.error.message).toContain('"default"');
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).body).toMatchObject({ name: 'Research', slug: 'research' });
  });

  it('moves the default flag atomically: exactly one default before and after, the old default can then be deleted', async () => {
    const token = orgToken('switch');
    const orgId = await orgIdOf(token);
    const [oldDefault] = await defaultsInDb(orgId);
    const project = await createProject(token, { name: 'Production' });
    await createProject(token, { name: 'Staging' });
    expect(await defaultsInDb(orgId)).toEqual([{ id: oldDefault.id, slug: 'default' }]);

    const res = await call('patch', `/api/v1/projects/${project.id}`, token, { isDefault: true });
    expect(outcome(res)).toMatchObject({ status: 200, body: { id: project.id, isDefault: true, name: 'Production' } });
    expect(await defaultsInDb(orgId)).toEqual([{ id: project.id, slug: 'production' }]);
    expect((await call('get', `/api/v1/projects/${oldDefault.id}`, token)).body).toMatchObject({ isDefault: false });
    const listed = (await call('get', '/api/v1/projects', token)).body.data.filter((p: { isDefault: boolean }) => p.isDefault);
    expect(listed.map((p: { id: string }) => p.id)).toEqual([project.id]);

    const again = await call('patch', `/api/v1/projects/${project.id}`, token, { isDefault: true });
    expect(outcome(again)).toMatchObject({ status: 200, body: { isDefault: true } });
    expect(await defaultsInDb(orgId)).toEqual([{ id: project.id, slug: 'production' }]);

    expect(outcome(await call('delete', `/api/v1/projects/${project.id}`, token))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await call('delete', `/api/v1/projects/${oldDefault.id}`, token)).status).toBe(204);
  });

  it('keeps exactly one default under concurrent switches', async () => {
    const token = orgToken('race');
    const orgId = await orgIdOf(token);
    const ids = [];
    for (const name of ['A', 'B', 'C', 'D']) ids.push((await createProject(token, { name })).id);
    const results = await Promise.all(ids.map((id) => call('patch', `/api/v1/projects/${id}`, token, { isDefault: true })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const defaults = await defaultsInDb(orgId);
    expect(defaults).toHaveLength(1);
    expect(ids).toContain(defaults[0].id);
  });

  it.each([
    [{}, 'body', 'body: at least one of name, slug, isDefault is required'],
    [{ isDefault: false }, 'body.isDefault', 'body.isDefault: only true is accepted: make another project the default instead'],
    [{ name: '' }, 'body.name', 'body.name: must not be empty'],
    [{ slug: 'Not A Slug' }, 'body.slug', undefined],
    [{ name: 'Ok', owner: 'me' }, 'body', 'body: unknown field(s): owner'],
  ])('rejects %j with 400 naming %s', async (body, field, message) => {
    const token = orgToken('patchinvalid');
    const project = await createProject(token, { name: 'Keep' });
    const res = await call('patch', `/api/v1/projects/${project.id}`, token, body);
    expect(outcome(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field });
    if (message) expect(res.body.error.message).toBe(message);
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).body).toMatchObject({ name: 'Keep', slug: 'keep', isDefault: false });
  });
});

describe('DELETE /api/v1/projects/:id', () => {
  it('deletes an empty project: 204, then 404 on GET, PATCH and DELETE', async () => {
    const token = orgToken('delete');
    const project = await createProject(token, { name: 'Scratch' });
    const res = await call('delete', `/api/v1/projects/${project.id}`, token);
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
    expect(outcome(await call('get', `/api/v1/projects/${project.id}`, token))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(outcome(await call('patch', `/api/v1/projects/${project.id}`, token, { name: 'x' }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(outcome(await call('delete', `/api/v1/projects/${project.id}`, token))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const [{ n }] = await api.deps.dataSource.query(`SELECT count(*)::int AS n FROM projects WHERE id = $1`, [project.id]);
    expect(n).toBe(0);
  });

  it('refuses to delete the default project', async () => {
    const token = orgToken('deldefault');
    const orgId = await orgIdOf(token);
    const [defaultProject] = await defaultsInDb(orgId);
    const res = await call('delete', `/api/v1/projects/${defaultProject.id}`, token);
    expect(outcome(res)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(res.body.error.message).toBe('the default project cannot be deleted; make another project the default first');
    expect(await defaultsInDb(orgId)).toEqual([{ id: defaultProject.id, slug: 'default' }]);
  });

  it('refuses while the project has connections that are not deleted, naming them; a deleted one is moved to the default project', async () => {
    const token = orgToken('delconn');
    const project = await createProject(token, { name: 'Busy' });
    const tenant = await tenantOf(token, project.id);
    const active = await createConnectionRow(api.deps.dataSource, tenant, 'openai', project.id);
    const paused = await createConnectionRow(api.deps.dataSource, tenant, 'anthropic', project.id);
    await api.deps.dataSource.query(`UPDATE provider_connections SET name = 'Prod OpenAI' WHERE id = $1`, [active.id]);
    await api.deps.dataSource.query(`UPDATE provider_connections SET status = 'paused', name = 'Paused Anthropic' WHERE id = $1`, [paused.id]);
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).body.activeConnections).toBe(2);

    const refused = await call('delete', `/api/v1/projects/${project.id}`, token);
    expect(outcome(refused)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(refused.body.error.message).toBe(
      `project "Busy" still has 2 connection(s): "Prod OpenAI" (${active.id}), "Paused Anthropic" (${paused.id}); delete them or move them to another project first`,
    );
    expect(refused.body.error.details).toEqual({ connections: [{ id: active.id, name: 'Prod OpenAI' }, { id: paused.id, name: 'Paused Anthropic' }] });
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).status).toBe(200);

    await api.deps.dataSource.query(`UPDATE provider_connections SET status = 'deleted', deleted_at = now() WHERE id = ANY($1)`, [[active.id, paused.id]]);
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).body.activeConnections).toBe(0);
    expect((await call('delete', `/api/v1/projects/${project.id}`, token)).status).toBe(204);
    const [defaultProject] = await defaultsInDb(tenant.orgId);
    const moved = await api.deps.dataSource.query(`SELECT id, project_id, status FROM provider_connections WHERE id = ANY($1) ORDER BY created_at, id`, [[active.id, paused.id]]);
    expect(moved).toEqual([
      { id: active.id, project_id: defaultProject.id, status: 'deleted' },
      { id: paused.id, project_id: defaultProject.id, status: 'deleted' },
    ]);
  });

  it('refuses while the project has usage history, naming the counts, and rewrites nothing', async () => {
    const token = orgToken('delusage');
    const project = await createProject(token, { name: 'Measured' });
    const tenant = await tenantOf(token, project.id);
    const connection = await createConnectionRow(api.deps.dataSource, tenant, 'openai', project.id);
    // Two hours of usage on one day, ingested the way polling ingests it: 2 events, 1 daily rollup.
    await new IngestService(api.deps.dataSource, new FactorSetRepository(api.deps.dataSource))
      .ingest(connection, ['00', '01'].map((hour) => bucket({ hour: `2026-11-01T${hour}:00:00Z`, model: 'gpt-4o' })));
    await api.deps.dataSource.query(`UPDATE provider_connections SET status = 'deleted' WHERE id = $1`, [connection.id]);

    const res = await call('delete', `/api/v1/projects/${project.id}`, token);
    expect(outcome(res)).toMatchObject({ status: 409, code: 'CONFLICT', body: { error: { details: { usageEvents: 2, usageRollups: 1 } } } });
    expect(res.body.error.message).toBe(
      'project "Measured" has usage history (2 usage event(s), 1 daily rollup(s)) that stays attributed to it, so it cannot be deleted; rename it instead',
    );
    const [{ events }] = await api.deps.dataSource.query(`SELECT count(*)::int AS events FROM usage_events WHERE project_id = $1`, [project.id]);
    const [conn] = await api.deps.dataSource.query(`SELECT project_id FROM provider_connections WHERE id = $1`, [connection.id]);
    expect({ events, connectionProject: conn.project_id }).toEqual({ events: 2, connectionProject: project.id });
    expect((await call('get', `/api/v1/projects/${project.id}`, token)).status).toBe(200);
  });
});

describe('tenancy and auth', () => {
  it("answers 404 for another organization's project on GET, PATCH and DELETE, and leaves it untouched", async () => {
    const tokenA = orgToken('tenant_a');
    const tokenB = orgToken('tenant_b');
    const ofB = await createProject(tokenB, { name: 'Secret of B' });
    for (const [method, body] of [['get', undefined], ['patch', { name: 'hijacked', isDefault: true }], ['delete', undefined]] as const) {
      const res = await call(method, `/api/v1/projects/${ofB.id}`, tokenA, body);
      expect({ method, ...outcome(res) }).toMatchObject({ method, status: 404, code: 'NOT_FOUND' });
    }
    expect((await call('get', `/api/v1/projects/${ofB.id}`, tokenB)).body).toMatchObject({ name: 'Secret of B', isDefault: false });
    const listedForA = (await call('get', '/api/v1/projects', tokenA)).body.data;
    expect(listedForA.map((p: { slug: string }) => p.slug)).toEqual(['default']);
    expect(await defaultsInDb(await orgIdOf(tokenB))).toEqual([{ id: expect.any(String), slug: 'default' }]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const token = orgToken('unknownid');
    expect(outcome(await call('get', `/api/v1/projects/${randomUUID()}`, token))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(outcome(await call('get', '/api/v1/projects/not-a-uuid', token))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'params.id' });
  });

  it('answers 401 without credentials', async () => {
    const res = await api.http.get('/api/v1/projects');
    expect(outcome(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
