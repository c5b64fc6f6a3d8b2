import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { runCreditsLoad } from '../../../src/ops/credits-load';
// The credit inventory is global, not per organization: these tests count it on a database of their own.
import { createScratchDatabase } from '../../helpers/scratch-database';
import { testEnv } from '../../helpers/env';

const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const verra = (a: number, b: number, extra = '2025-01-02,VERRA-RET-1') =>
  `verra,VCS-99901 Test Cookstoves,2022,99999-${a}-${a}-VCS-VCU-999-VER-XX-3-99901-01012022-31122022-0,99999-${b}-${b}-VCS-VCU-999-VER-XX-3-99901-01012022-31122022-0,${b - a + 1},${extra}`;

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_credits_load', 2);
  ds = scratch.dataSource;
  dir = await mkdtemp(path.join(os.tmpdir(), 'credits-load-'));
  env = { ...testEnv(), DATABASE_URL: scratch.url };
});
afterAll(async () => scratch?.drop());

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCreditsLoad(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env, new Date('2026-01-01T00:00:00Z'));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function csv(name: string, ...rows: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, [HEADER, ...rows].join('\n') + '\n');
  return file;
}

const batchCount = async () => (await ds.query(`SELECT count(*)::int AS n FROM credit_batches`))[0].n;

describe('npm run credits:load', () => {
  it('loads the sample inventory, prints a summary, and a second load of the same file is a no-op', async () => {
    const sample = path.resolve(__dirname, '../../../deploy/sample-credits.csv');
    const first = await run([sample]);
    expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
    expect(first.out).toMatch(/3 row\(s\), sha256 [0-9a-f]{64}/);
    expect(first.out).toContain('loaded 3 batch(es), 410 tonnes');
    const rows = await ds.query(`SELECT registry, project, tonnes, capacity_g, retired_on::text, retirement_reference FROM credit_batches ORDER BY vintage`);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.project).toMatch(/^SAMPLE ONLY, NOT A REAL RETIREMENT: /);
      expect(row.retirement_reference).toMatch(/^SAMPLE-/);
    }
    expect(rows[0]).toMatchObject({ registry: 'verra', tonnes: '250', capacity_g: '250000000', retired_on: '2025-01-15' });

    const again = await run([sample]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('already loaded on');
    expect(await batchCount()).toBe(3);
    expect((await readFile(sample, 'utf8')).split('\n')[0]).toBe(HEADER);
  });

  it('rejects the whole file on a malformed row, naming its line, and loads nothing of it', async () => {
    const before = await batchCount();
    const file = await csv('bad-row.csv', verra(1000, 1009), verra(2000, 2009, '2025-01-02,'));
    const { code, err } = await run([file]);
    expect(code).toBe(1);
    expect(err).toContain('line 3: retirement_reference is empty');
    expect(err).toContain('nothing was loaded');
    expect(await batchCount()).toBe(before);
  });

  it('rejects a range that overlaps another row of the same file', async () => {
    const file = await csv('self-overlap.csv', verra(3000, 3099), verra(3050, 3059));
    const { code, err } = await run([file]);
    expect(code).toBe(1);
    expect(err).toContain('line 3: serial range overlaps line 2 of this file');
  });

  it('rejects a range that overlaps the loaded inventory, naming the line, and keeps the earlier load', async () => {
    expect((await run([await csv('base.csv', verra(5000, 5099))])).code).toBe(0);
    const before = await batchCount();
    const file = await csv('overlap-loaded.csv', verra(6000, 6009), verra(5099, 5105));
    const { code, err } = await run([file]);
    expect(code).toBe(1);
    expect(err).toMatch(/line 3: serial range overlaps a loaded batch \(99999-5000-5000-VCS.*, line 2 of a file loaded /);
    expect(await batchCount()).toBe(before);
    // Adjacent, not overlapping: accepted.
    expect((await run([await csv('adjacent.csv', verra(5100, 5109))])).code).toBe(0);
  });

  it('exits 2 on bad usage or an unreadable file', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a.csv', 'b.csv'])).code).toBe(2);
    expect((await run(['--force', 'a.csv'])).code).toBe(2);
    const missing = await run([path.join(dir, 'missing.csv')]);
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('ENOENT') });
    expect((await run(['--help'])).out).toContain('usage: npm run credits:load FILE');
  });
});
