import type { EntityManager } from 'typeorm';
import type { ReceiptFigures, ReceiptModelLine } from '../../../contracts/receipts';
import { add, parseDecimal, toCanonicalString, type ExactDecimal } from '../../emissions/exact-decimal';
import { perThousand } from '../../receipts/exact-decimal-string';
import { snapshotReference, type SnapshotEntry } from '../../receipts/snapshot';
import type { ReceiptSnapshot } from '../../../contracts/receipts';

/** The days [from, to) of a period's usage (UTC dates of bucket_start), as finalize's rollup snapshot counts them. */
export interface DayRange { from: string; to: string }

const FIGURE_COLUMNS = `input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens,
  energy_wh_low, energy_wh_central, energy_wh_high, co2e_g_low, co2e_g_central, co2e_g_high`;
const SUMS = `count(*)::text AS events, sum(input_uncached)::text AS iu, sum(input_cache_write)::text AS icw, sum(input_cache_read)::text AS icr,
  sum(output_tokens)::text AS out, sum(reasoning_tokens)::text AS rsn,
  sum(energy_wh_low)::text AS ewl, sum(energy_wh_central)::text AS ewc, sum(energy_wh_high)::text AS ewh,
  sum(co2e_g_low)::text AS cgl, sum(co2e_g_central)::text AS cgc, sum(co2e_g_high)::text AS cgh`;
const IN_RANGE = `org_id = $1 AND bucket_start >= ($2::date)::timestamp AT TIME ZONE 'UTC' AND bucket_start < ($3::date)::timestamp AT TIME ZONE 'UTC'`;

type SumRow = Record<'provider' | 'model' | 'factor_version' | 'events' | 'iu' | 'icw' | 'icr' | 'out' | 'rsn' | 'ewl' | 'ewc' | 'ewh' | 'cgl' | 'cgc' | 'cgh', string>;

/** A receipt's figures: totals, one line per provider, model and factor version, the versions, and the event count. */
export interface ComputedFigures {
  totals: ReceiptFigures;
  models: ReceiptModelLine[];
  factorVersions: string[];
  events: number;
}

const num = (s: string) => parseDecimal(s);
const negate = (d: ExactDecimal): ExactDecimal => ({ units: -d.units, scale: d.scale });
const canon = (d: ExactDecimal) => toCanonicalString(d);

function figuresOf(r: SumRow): ReceiptFigures {
  return {
    tokens: { inputUncached: r.iu, inputCacheWrite: r.icw, inputCacheRead: r.icr, output: r.out, reasoning: r.rsn },
    energyKwh: { low: perThousand(r.ewl), central: perThousand(r.ewc), high: perThousand(r.ewh) },
    co2eKg: { low: perThousand(r.cgl), central: perThousand(r.cgc), high: perThousand(r.cgh) },
  };
}

const ZERO: ReceiptFigures = {
  tokens: { inputUncached: '0', inputCacheWrite: '0', inputCacheRead: '0', output: '0', reasoning: '0' },
  energyKwh: { low: '0', central: '0', high: '0' }, co2eKg: { low: '0', central: '0', high: '0' },
};

/** Field-wise a + sign·b, exactly. */
export function combineFigures(a: ReceiptFigures, b: ReceiptFigures, sign: 1 | -1 = 1): ReceiptFigures {
  const f = (x: string, y: string) => canon(add(num(x), sign === 1 ? num(y) : negate(num(y))));
  const tokens = Object.fromEntries(Object.entries(a.tokens).map(([k, v]) => [k, f(v, b.tokens[k as keyof typeof b.tokens])]));
  const bounds = (x: ReceiptFigures['co2eKg'], y: ReceiptFigures['co2eKg']) => ({ low: f(x.low, y.low), central: f(x.central, y.central), high: f(x.high, y.high) });
  return { tokens: tokens as ReceiptFigures['tokens'], energyKwh: bounds(a.energyKwh, b.energyKwh), co2eKg: bounds(a.co2eKg, b.co2eKg) };
}

export function zeroFigures(): ReceiptFigures {
  return structuredClone(ZERO);
}

function compute(rows: SumRow[]): ComputedFigures {
  const models: ReceiptModelLine[] = rows.map((r) => ({ provider: r.provider, model: r.model, factorVersion: r.factor_version, ...figuresOf(r) }));
  const totals = models.reduce<ReceiptFigures>((sum, m) => combineFigures(sum, m), zeroFigures());
  return {
    totals,
    models,
    factorVersions: [...new Set(rows.map((r) => r.factor_version))].sort(),
    events: rows.reduce((n, r) => n + Number(r.events), 0),
  };
}

// Sorted in JS by UTF-16 code units, like JCS and the contract; SQL collation order may differ.
const byLine = (a: SumRow, b: SumRow) => {
  for (const k of ['provider', 'model', 'factor_version'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
};

/**
 * Stores which event revisions a receipt counts, once per key (a second call, concurrent or later, keeps the
 * first). One statement, so one consistent view of the usage even at READ COMMITTED. Returns true when this call took it.
 */
export async function takeEventSnapshot(tx: EntityManager, receiptKey: string, orgId: string, range: DayRange): Promise<boolean> {
  const rows: unknown[] = await tx.query(
    `WITH ev AS (SELECT bucket_start, id, revision FROM usage_events WHERE ${IN_RANGE}),
          h AS (INSERT INTO receipt_snapshots (receipt_key, org_id, events) SELECT $4, $1, (SELECT count(*) FROM ev)
                ON CONFLICT (receipt_key) DO NOTHING RETURNING receipt_key)
     INSERT INTO receipt_snapshot_events (receipt_key, event_id, revision, bucket_start)
       SELECT h.receipt_key, ev.id, ev.revision, ev.bucket_start FROM h CROSS JOIN ev
     RETURNING event_id`,
    [orgId, range.from, range.to, receiptKey],
  );
  const [taken] = await tx.query(`SELECT taken_at FROM receipt_snapshots WHERE receipt_key = $1`, [receiptKey]);
  if (!taken) throw new Error(`no snapshot for ${receiptKey}`);
  return rows.length > 0;
}

export async function hasEventSnapshot(db: EntityManager, receiptKey: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM receipt_snapshots WHERE receipt_key = $1`, [receiptKey]);
  return rows.length > 0;
}

/** The (event, revision) pairs of a snapshot and their signed reference. */
export async function snapshotEntries(db: EntityManager, receiptKey: string): Promise<{ entries: SnapshotEntry[]; reference: ReceiptSnapshot }> {
  const rows: Array<{ event_id: string; revision: number }> = await db.query(
    `SELECT event_id::text AS event_id, revision FROM receipt_snapshot_events WHERE receipt_key = $1`, [receiptKey]);
  const entries = rows.map((r) => ({ id: r.event_id, revision: r.revision }));
  return { entries, reference: snapshotReference(entries) };
}

/**
 * The figures of a snapshot, each event read at the revision the snapshot names: the live row when it still has
 * that revision (by primary key, (bucket_start, id)), otherwise the archived one. Every event must resolve, or the figures would be silently short.
 */
export async function snapshotFigures(db: EntityManager, receiptKey: string): Promise<ComputedFigures> {
  const rows: SumRow[] = await db.query(
    `WITH s AS (SELECT bucket_start, event_id, revision FROM receipt_snapshot_events WHERE receipt_key = $1),
          r AS (SELECT e.provider, e.model, e.factor_version, ${FIGURE_COLUMNS.split(',').map((c) => `e.${c.trim()}`).join(', ')}
                  FROM s JOIN usage_events e ON e.bucket_start = s.bucket_start AND e.id = s.event_id AND e.revision = s.revision
                UNION ALL
                SELECT v.provider, v.model, v.factor_version, ${FIGURE_COLUMNS.split(',').map((c) => `v.${c.trim()}`).join(', ')}
                  FROM s JOIN usage_event_revisions v ON v.event_id = s.event_id AND v.revision = s.revision)
     SELECT provider, model, factor_version, ${SUMS} FROM r GROUP BY provider, model, factor_version`,
    [receiptKey],
  );
  const computed = compute(rows.sort(byLine));
  const [{ events }] = await db.query(`SELECT events FROM receipt_snapshots WHERE receipt_key = $1`, [receiptKey]);
  if (computed.events !== Number(events)) {
    throw new Error(`snapshot ${receiptKey}: ${events} events named, ${computed.events} found at their revisions`);
  }
  return computed;
}

/** The figures of the period's usage as it stands now (for deciding whether an adjustment is due). */
export async function currentFigures(db: EntityManager, orgId: string, range: DayRange): Promise<ComputedFigures> {
  const rows: SumRow[] = await db.query(
    `SELECT provider, model, factor_version, ${SUMS} FROM usage_events WHERE ${IN_RANGE} GROUP BY provider, model, factor_version`,
    [orgId, range.from, range.to],
  );
  return compute(rows.sort(byLine));
}
