import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';
import { runKeysRotate } from '../../../src/ops/keys-rotate';
import { testEnv } from '../../helpers/env';

// Rotation and revocation change the one active key, so they run on a database of their own.
let url: string;
let drop: () => Promise<void>;
beforeAll(async () => {
  const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  const name = `keys_rotate_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(process.env.TEST_ADMIN_DATABASE_URL!);
  u.pathname = `/${name}`;
  url = u.toString();
  const ds = await createDataSource({ url, poolSize: 1 }).initialize();
  await migrateUp(ds);
  await ds.destroy();
  drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
});
afterAll(async () => drop?.());

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysRotate(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run keys:rotate', () => {
  it('rotates, keeps the retired key, revokes with a replacement, and refuses bad arguments', async () => {
    const env = testEnv({ DATABASE_URL: url });
    const first = await run([], env);
    expect(first).toMatchObject({ code: 0, out: expect.stringMatching(/^new active receipt key [A-Za-z0-9_-]{43}$/) });
    const second = await run(['--purpose', 'receipt'], env);
    expect(second.out).toMatch(/; retired [A-Za-z0-9_-]{43} \(it keeps verifying/);
    const activeId = /new active receipt key (\S+);/.exec(second.out)![1];
    expect((await run(['--purpose', 'log'], env)).out).toMatch(/^new active log key /);

    const revoked = await run(['--revoke', activeId, '--reason', 'test compromise', '--at', '2030-01-01T00:00:00Z'], env);
    expect(revoked).toMatchObject({ code: 0, out: expect.stringContaining(`revoked receipt key ${activeId} at 2030-01-01T00:00:00.000Z`) });
    expect(revoked.out).toMatch(/new active receipt key /);

    const ds = await createDataSource({ url, poolSize: 1 }).initialize();
    try {
      const rows: { purpose: string; active: boolean; revoked: boolean }[] = await ds.query(
        'SELECT purpose, retired_at IS NULL AND revoked_at IS NULL AS active, revoked_at IS NOT NULL AS revoked FROM signing_keys ORDER BY created_at');
      expect(rows.filter((r) => r.purpose === 'receipt')).toHaveLength(3);
      expect(rows.filter((r) => r.active).map((r) => r.purpose).sort()).toEqual(['log', 'receipt']);
      expect(rows.filter((r) => r.revoked)).toHaveLength(1);
    } finally {
      await ds.destroy();
    }

    expect(await run(['--revoke', activeId, '--reason', 'again'], env)).toMatchObject({ code: 1, err: expect.stringMatching(/already revoked/) });
    expect(await run(['--revoke', activeId], env)).toMatchObject({ code: 2, err: expect.stringMatching(/needs --reason/) });
    expect(await run(['--purpose', 'pdf'], env)).toMatchObject({ code: 2 });
    expect(await run(['--at', 'yesterday'], env)).toMatchObject({ code: 2 });
    expect(await run(['--help'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: /) });
  });
});
