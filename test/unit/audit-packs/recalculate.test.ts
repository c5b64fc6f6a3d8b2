import { buildPack, removePack, runRecalculate, type FixtureEvent, type PackFiles, type PackSpec } from './pack-fixture';

/**
 * recalculate.mjs run with plain node on generated packs: a correct pack with a period receipt, an adjustment and
 * an event whose signed revision differs from its current one says "match"; each kind of tampering is named.
 */

const PERIOD = 'CL-202601-PA7D1';
const ADJUSTMENT = 'CL-202601-AD7J2';

/** January 2026: event 101 revised after the period receipt; 103 arrived late (adjusted); 104 after the adjustment. */
const januarySpec = (): PackSpec => ({
  month: '2026-01',
  events: [
    { id: '101', revision: 1, provider: 'openai', model: 'gpt-4o-2024-08-06', bucketStart: '2026-01-05T10:00:00.000Z', tokens: { inputUncached: 12_000, inputCacheRead: 3_000, outputTokens: 800 } },
    { id: '101', revision: 2, provider: 'openai', model: 'gpt-4o-2024-08-06', bucketStart: '2026-01-05T10:00:00.000Z', tokens: { inputUncached: 15_500, inputCacheRead: 3_000, outputTokens: 1_250, reasoningTokens: 0 } },
    { id: '102', revision: 1, provider: 'anthropic', model: 'claude-sonnet-4-20250514', bucketStart: '2026-01-09T00:00:00.000Z', tokens: { inputUncached: 40_000, inputCacheWrite: 9_000, inputCacheRead: 120_000, outputTokens: 5_300 } },
    { id: '103', revision: 1, provider: 'openrouter', model: 'meta-llama/llama-3.1-8b-instruct:free', bucketStart: '2026-01-30T23:00:00.000Z', tokens: { inputUncached: 7_777, outputTokens: 333 } },
    { id: '104', revision: 1, provider: 'openai', model: 'o3-2025-04-16', bucketStart: '2026-01-31T22:00:00.000Z', tokens: { inputUncached: 2_000, outputTokens: 9_000, reasoningTokens: 7_000 } },
    { id: '105', revision: 1, provider: 'openai', model: 'brand-new-model', bucketStart: '2026-01-12T08:00:00.000Z', tokens: { inputUncached: 1_000, outputTokens: 100 } },
  ],
  receipts: [
    { serial: PERIOD, kind: 'period', signs: [['101', 1], ['102', 1], ['105', 1]], issuedAt: '2026-02-01T03:00:00.000Z' },
    { serial: ADJUSTMENT, kind: 'adjustment', adjusts: PERIOD, signs: [['101', 2], ['102', 1], ['103', 1], ['105', 1]], issuedAt: '2026-03-01T03:00:00.000Z' },
  ],
});

/** The CSV line of an event revision (1-based file line number, header = 1) and its fields. */
function csvLine(pack: PackFiles, eventId: string, revision: number): { lineNo: number; fields: string[] } {
  const lines = pack.read('calculations.csv').split('\r\n');
  const index = lines.findIndex((l) => l.startsWith(`${eventId},${revision},`));
  if (index < 0) throw new Error(`no row for ${eventId} revision ${revision}`);
  return { lineNo: index + 1, fields: lines[index].split(',') };
}
const header = (pack: PackFiles) => pack.read('calculations.csv').split('\r\n')[0].split(',');

function setField(eventId: string, revision: number, column: string, value: (old: string) => string) {
  return (pack: PackFiles) => pack.editCsv((lines) => {
    const col = header(pack).indexOf(column);
    return lines.map((l) => {
      if (!l.startsWith(`${eventId},${revision},`)) return l;
      const fields = l.split(',');
      fields[col] = value(fields[col]);
      return fields.join(',');
    });
  });
}

describe('recalculate.mjs', () => {
  const packs: PackFiles[] = [];
  const build = async (spec: PackSpec) => { const p = await buildPack(spec); packs.push(p); return p; };
  afterAll(() => packs.forEach(removePack));

  it('says match for a correct pack with a period receipt, an adjustment and a revised event, from any directory', async () => {
    const pack = await build(januarySpec());
    const run = runRecalculate(pack);
    expect(run.stdout).toMatch(/manifest\.sig: valid Ed25519 signature/);
    expect(run.stdout).toMatch(/receipts: 2 \(1 period, 1 adjustment\)/);
    expect(run.stdout).toMatch(/calculations\.csv: 6 rows checked, 5 current in 2026-01/);
    expect(run.stdout).toMatch(/transparency-log: 2 of 2 receipts have log entries, 2 inclusion proofs verified/);
    // Event 104 came after the adjustment: information, not a failure.
    expect(run.stdout).toMatch(/pending restatement: period of CL-202601-PA7D1 now .* tokens in 2000, out 9000/);
    expect(run.lines.at(-1)).toBe('match');
    expect(run.status).toBe(0);
  });

  it('names the line, event and field of a tampered CSV figure, even under a re-signed manifest', async () => {
    let target = { lineNo: 0, fields: [] as string[] };
    const pack = await build({
      ...januarySpec(),
      beforeManifest: (p) => {
        target = csvLine(p, '102', 1);
        setField('102', 1, 'co2eGCentral', (v) => `${v}1`)(p);
      },
    });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`calculations.csv line ${target.lineNo} (event 102 revision 1): co2eGCentral expected ${target.fields[header(pack).indexOf('co2eGCentral')]} found`);
    // The receipts that signed it no longer add up either.
    expect(run.stdout).toMatch(/receipt CL-202601-PA7D1: totals\.co2eKg\.central: expected/);
    expect(run.lines.at(-1)).toMatch(/^mismatch: \d+ differences$/);
  });

  it('finds a tampered token count: the figures and the receipt that signed it disagree', async () => {
    const pack = await build({ ...januarySpec(), beforeManifest: setField('101', 1, 'outputTokens', () => '801') });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\(event 101 revision 1\): energyWhCentral expected [\d.]+ found/);
    expect(run.stdout).toContain(`receipt ${PERIOD}: totals.tokens.output: expected 6201 found 6200`);
    expect(run.lines.at(-1)).toMatch(/^mismatch:/);
  });

  it('finds a wrong tier and rule', async () => {
    const pack = await build({
      ...januarySpec(),
      beforeManifest: (p) => { setField('102', 1, 'tier', () => 'mid')(p); setField('102', 1, 'matchedRule', () => 'claude-haiku-4*')(p); },
    });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\(event 102 revision 1\): tier expected large found mid/);
    expect(run.stdout).toMatch(/\(event 102 revision 1\): matchedRule expected claude-sonnet-4\* found claude-haiku-4\*/);
    // The factor columns still describe "large", which the row no longer names.
    expect(run.stdout).toMatch(/\(event 102 revision 1\): decodeWhPer1kCentral expected 0\.3 found 0\.9/);
  });

  it('refuses a tampered receipt payload: the signature no longer matches', async () => {
    const pack = await build({
      ...januarySpec(),
      beforeManifest: (p) => p.write(`receipts/${PERIOD}/payload.json`, p.read(`receipts/${PERIOD}/payload.json`).replace('"name":"Acme Research"', '"name":"Acme Researcj"')),
    });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`receipt ${PERIOD}: signature not valid: the signature does not match`);
  });

  it('refuses a file changed after the manifest was signed, and a manifest changed after signing', async () => {
    const pack = await build({ ...januarySpec(), afterManifest: (p) => p.write('README.txt', 'Run: node recalculate.mjs --trust-me\n') });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/README\.txt: size expected \d+ bytes \(manifest\) found \d+/);
    expect(run.stdout).toMatch(/README\.txt: SHA-256 expected [0-9a-f]{64} \(manifest\) found [0-9a-f]{64}/);

    const resigned = await build({ ...januarySpec(), afterManifest: (p) => p.write('manifest.json', p.read('manifest.json').replace('"version": 1', '"version": 2')) });
    const again = runRecalculate(resigned);
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/manifest\.sig: not a valid signature of manifest\.json by key \S+: the signature does not match/);
  });

  it('recomputes a second adjustment from the period receipt plus the first one', async () => {
    const spec = januarySpec();
    spec.events.push({ id: '104', revision: 2, provider: 'openai', model: 'o3-2025-04-16', bucketStart: '2026-01-31T22:00:00.000Z', tokens: { inputUncached: 2_500, outputTokens: 9_100 } });
    spec.receipts.push({
      serial: 'CL-202601-AD7J3', kind: 'adjustment', adjusts: PERIOD,
      signs: [['101', 2], ['102', 1], ['103', 1], ['104', 2], ['105', 1]], issuedAt: '2026-04-01T03:00:00.000Z',
    });
    const pack = await build(spec);
    const payload = JSON.parse(pack.read('receipts/CL-202601-AD7J3/payload.json'));
    // Its delta is event 104 alone: the only line it signs.
    expect(payload.models.map((m: { model: string }) => m.model)).toEqual(['o3-2025-04-16']);
    const run = runRecalculate(pack);
    expect(run.stdout).toMatch(/receipts: 3 \(1 period, 2 adjustment\)/);
    expect(run.stdout).toContain(`period of ${PERIOD}: current usage equals the period receipt plus its adjustments`);
    expect(run.lines.at(-1)).toBe('match');
  });

  it('names a receipt whose signed rows are not all in the CSV', async () => {
    const pack = await build({ ...januarySpec(), beforeManifest: (p) => p.editCsv((lines) => lines.filter((l) => !l.startsWith('101,1,'))) });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`receipt ${PERIOD}: snapshot.events expected 2 (rows signed by it) found 3`);
    expect(run.stdout).toMatch(new RegExp(`receipt ${PERIOD}: snapshot\\.sha256 expected [0-9a-f]{64} \\(of the rows signed by it\\) found [0-9a-f]{64}`));
    expect(run.stdout).toContain(`receipt ${PERIOD}: model openai/gpt-4o-2024-08-06 (factors 1.0): signed a line the rows do not give`);
  });

  it('names disclosure figures that differ from the current rows', async () => {
    const pack = await build({
      ...januarySpec(),
      beforeManifest: (p) => {
        const doc = JSON.parse(p.read('disclosure.json'));
        doc.totals.co2eKg.high = '1';
        doc.breakdown.byModel[0].tokens.decode = '1';
        p.write('disclosure.json', JSON.stringify(doc, null, 2));
      },
    });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/disclosure\.json: totals\.co2eKg\.high expected [\d.]+ found 1\n/);
    expect(run.stdout).toMatch(/disclosure\.json: sum of breakdown\.byModel\.tokens\.decode expected \d+ found \d+/);
    expect(run.stdout).toContain('disclosure.json: breakdown.byModel anthropic/claude-sonnet-4-20250514.tokens.decode expected 5300 found 1\n');
  });

  it('checks the public log: leaf hashes, inclusion proofs and the checkpoint signature', async () => {
    const pack = await build({
      ...januarySpec(),
      beforeManifest: (p) => {
        const entries = JSON.parse(p.read('transparency-log/entries.json'));
        entries[0].leafHash = '00'.repeat(32);
        entries[1].inclusionProof[0] = Buffer.alloc(32, 1).toString('base64');
        p.write('transparency-log/entries.json', JSON.stringify(entries));
        const note = p.read('transparency-log/checkpoint.txt').split('\n');
        note[1] = String(Number(note[1]) + 1);
        p.write('transparency-log/checkpoint.txt', note.join('\n'));
      },
    });
    const run = runRecalculate(pack);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('transparency-log/checkpoint.txt: not signed by the log key in public-keys.json');
    expect(run.stdout).toMatch(new RegExp(`transparency-log/entries.json ${PERIOD}: leafHash expected [0-9a-f]{64} \\(SHA-256 of 0x00 and the payload digest\\) found 0{64}`));
    expect(run.stdout).toContain(`transparency-log/entries.json ${ADJUSTMENT}: inclusion proof does not place the receipt at index 4 of the checkpoint`);
  });

  it('digests the signed events in the order of their ids as text, whatever their length', async () => {
    const event = (id: string): FixtureEvent => ({ id, revision: 3, provider: 'openai', model: 'gpt-4.1', bucketStart: '2026-01-03T00:00:00.000Z', tokens: { outputTokens: Number(id.slice(0, 4)) } });
    // Numeric order (9, 10, 11, 100, ...) differs from text order ("10", "100", "11", ..., "9").
    const short = ['9', '10', '11', '100', '2', '99999999999999', '1000000'];
    const long = [...short, '123456789012345678']; // beyond 14 digits: the script's plain-string path
    for (const ids of [short, long]) {
      const pack = await build({
        month: '2026-01', events: ids.map(event),
        receipts: [{ serial: PERIOD, kind: 'period', signs: ids.map((id) => [id, 3] as [string, number]), issuedAt: '2026-02-01T03:00:00.000Z' }],
      });
      const run = runRecalculate(pack);
      expect(run.stdout).not.toContain('snapshot');
      expect(run.lines.at(-1)).toBe('match');
    }
  });

  it('exits 2 when the folder is not a pack', async () => {
    const pack = await build({ month: '2026-04', events: [], receipts: [] });
    const run = runRecalculate(pack, [`${pack.dir}/receipts-nowhere`]);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/cannot read the pack: no manifest\.json in /);
  });

  it('says match and no usage for an empty month (header only, no receipts)', async () => {
    const pack = await build({ month: '2026-04', events: [], receipts: [] });
    expect(pack.read('calculations.csv').split('\r\n')).toHaveLength(2);
    const run = runRecalculate(pack);
    expect(run.stdout).toContain('no usage: calculations.csv has no rows for 2026-04');
    expect(run.stdout).toMatch(/receipts: 0/);
    expect(run.lines.at(-1)).toBe('match');
    expect(run.status).toBe(0);
  });

  it('takes the pack folder as its first argument', async () => {
    const pack = await build(januarySpec());
    const other = await build({ month: '2026-04', events: [], receipts: [] });
    const run = runRecalculate(other, [pack.dir]);
    expect(run.stdout).toContain(`audit pack: ${pack.dir}`);
    expect(run.stdout).toMatch(/6 rows checked/);
    expect(run.lines.at(-1)).toBe('match');
  });
});
