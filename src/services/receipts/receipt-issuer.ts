import type { DataSource, EntityManager } from 'typeorm';
import type { BillingPeriodSnapshot } from '../../../contracts/workflows';
import { ReceiptPayload, type ReceiptCredits, type ReceiptFigures, type ReceiptKind, type ReceiptModelLine, type ReceiptSnapshot } from '../../../contracts/receipts';
import { compareDecimals, parseDecimal } from '../../emissions/exact-decimal';
import { generateReceiptSerial, isSerialConflict } from '../../receipts/serial';
import { snapshotDays } from '../billing/billing-periods';
import { CreditAllocator, toPayloadCredits } from '../credits/credit-allocator';
import { kgToGramsCeil } from '../credits/grams';
import type { SigningKeyService } from '../signing-keys/signing-key.service';
import type { LogService } from '../transparency-log/log.service';
import {
  combineFigures, currentFigures, hasEventSnapshot, snapshotEntries, snapshotFigures, takeEventSnapshot, zeroFigures, type ComputedFigures, type DayRange,
} from './receipt-figures';
import { hashVerifyCode, verifyCodeFor } from './verify-code';

// pg_advisory_xact_lock(ISSUE_LOCK, hashtext(receipt key)): one issuer per receipt at a time.
const ISSUE_LOCK = 0x49535355; // "ISSU"
const MAX_SERIAL_ATTEMPTS = 10;

export interface IssuedReceipt { receiptId: string; serial: string; kind: ReceiptKind; isNew: boolean }

export interface ReceiptIssuerDeps {
  dataSource: DataSource;
  signingKeys: SigningKeyService;
  log: LogService;
  /** Exact decimal kg CO2e (central). */
  adjustmentThresholdKg: string;
  now?: () => Date;
}

interface PeriodRow {
  id: string; org_id: string; org_name: string; period_start: Date; period_end: Date; status: string; snapshot: BillingPeriodSnapshot | null;
}

interface IssueSpec {
  receiptKey: string;
  period: PeriodRow;
  kind: ReceiptKind;
  adjusts: { id: string; serial: string } | null;
  totals: ReceiptFigures;
  figures: ComputedFigures;
  snapshot: ReceiptSnapshot;
  /** Grams of credits owed (0 for a negative adjustment). */
  grams: number;
}

export const periodReceiptKey = (billingPeriodId: string) => `period:${billingPeriodId}`;
export const adjustmentReceiptKey = (closingPeriodId: string, adjustedSerial: string) => `adjustment:${closingPeriodId}:${adjustedSerial}`;

const rangeOf = (p: PeriodRow): DayRange => p.snapshot?.range ?? snapshotDays(p.period_start, p.period_end);
const isPositive = (s: string) => compareDecimals(parseDecimal(s), parseDecimal('0')) > 0;
const abs = (s: string) => (s.startsWith('-') ? s.slice(1) : s);
const lineKey = (m: ReceiptModelLine) => `${m.provider}\u0000${m.model}\u0000${m.factorVersion}`;

interface SignedFigures { totals: ReceiptFigures; models: ReceiptModelLine[] }

/** Per (provider, model, factor version): the sum of `plus` minus the sum of `minus`, lines that net to zero dropped. */
export function modelDeltas(plus: ReceiptModelLine[], minus: ReceiptModelLine[]): ReceiptModelLine[] {
  const lines = new Map<string, ReceiptModelLine>();
  const fold = (m: ReceiptModelLine, sign: 1 | -1) => {
    const prior = lines.get(lineKey(m)) ?? { provider: m.provider, model: m.model, factorVersion: m.factorVersion, ...zeroFigures() };
    const { provider, model, factorVersion } = prior;
    lines.set(lineKey(m), { provider, model, factorVersion, ...combineFigures(prior, m, sign) });
  };
  for (const m of plus) fold(m, 1);
  for (const m of minus) fold(m, -1);
  const isZero = (m: ReceiptModelLine) => [...Object.values(m.tokens), ...Object.values(m.energyKwh), ...Object.values(m.co2eKg)].every((v) => v === '0');
  return [...lines.entries()].filter(([, m]) => !isZero(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
}

/**
 * Issues carbon receipts: credits at the high CO2e bound, the signed payload, the row, the public log entry. Every
 * step is keyed by the receipt key (`period:{billingPeriodId}`, `adjustment:{closingPeriodId}:{adjustedSerial}`):
 * the credits by the allocator's key, the row by its unique `receipt_key`, the log entry by serial. A retry, a
 * replay or a second worker finds what the first made and only finishes what is missing (the log append).
 */
export class ReceiptIssuer {
  private readonly allocator = new CreditAllocator();
  private readonly now: () => Date;

  constructor(private readonly deps: ReceiptIssuerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The usage snapshot of a period receipt; finalize takes it with the totals, this takes it if a run did not. */
  async takePeriodSnapshot(tx: EntityManager, billingPeriodId: string, orgId: string, range: DayRange): Promise<void> {
    await takeEventSnapshot(tx, periodReceiptKey(billingPeriodId), orgId, range);
  }

  async issuePeriodReceipt(billingPeriodId: string): Promise<IssuedReceipt> {
    const key = periodReceiptKey(billingPeriodId);
    const found = await this.findByKey(key);
    if (found) return this.logged(found);
    const period = await this.loadPeriod(billingPeriodId);
    if (!period.snapshot) throw new Error(`billing period ${billingPeriodId} is not finalized: no receipt before its totals are taken`);
    const manager = this.deps.dataSource.manager;
    if (!(await hasEventSnapshot(manager, key))) {
      await this.deps.dataSource.transaction((tx) => takeEventSnapshot(tx, key, period.org_id, rangeOf(period)));
    }
    const figures = await snapshotFigures(manager, key);
    const { reference } = await snapshotEntries(manager, key);
    const issued = await this.issue({
      receiptKey: key, period, kind: 'period', adjusts: null, totals: figures.totals, figures, snapshot: reference,
      grams: kgToGramsCeil(figures.totals.co2eKg.high),
    });
    return this.logged(issued);
  }

  /**
   * Adjustment receipts for the organization's earlier closed periods whose usage moved since their receipts (the
   * period receipt plus adjustments so far) by more than the threshold (central CO2e), issued as `closingPeriodId`
   * closes. The delta is signed by token class and bounds; a positive high bound gets extra credits, a negative
   * delta retires nothing (requiredTonnes 0).
   */
  async issueAdjustments(closingPeriodId: string): Promise<IssuedReceipt[]> {
    const closing = await this.loadPeriod(closingPeriodId);
    const earlier: Array<{ receipt_id: string; serial: string; billing_period_id: string }> = await this.deps.dataSource.query(
      `SELECT r.id AS receipt_id, r.serial, r.billing_period_id FROM carbon_receipts r JOIN billing_periods bp ON bp.id = r.billing_period_id
        WHERE r.org_id = $1 AND r.kind = 'period' AND bp.status = 'closed' AND bp.period_start < $2 ORDER BY bp.period_start, r.id`,
      [closing.org_id, closing.period_start],
    );
    const issued: IssuedReceipt[] = [];
    for (const original of earlier) {
      const key = adjustmentReceiptKey(closingPeriodId, original.serial);
      const found = await this.findByKey(key);
      if (found) { issued.push(await this.logged(found)); continue; }
      const period = await this.loadPeriod(original.billing_period_id);
      const signedSoFar = await this.signedFigures(original.receipt_id, key);
      // Once a snapshot was taken under this key the decision was made: a retry finishes it.
      if (!(await hasEventSnapshot(this.deps.dataSource.manager, key))) {
        const current = await currentFigures(this.deps.dataSource.manager, period.org_id, rangeOf(period));
        const delta = combineFigures(current.totals, signedSoFar.totals, -1);
        if (compareDecimals(parseDecimal(abs(delta.co2eKg.central)), parseDecimal(this.deps.adjustmentThresholdKg)) <= 0) continue;
      }
      issued.push(await this.logged(await this.issueAdjustment(key, period, original, signedSoFar)));
    }
    return issued;
  }

  private async issueAdjustment(key: string, period: PeriodRow, original: { receipt_id: string; serial: string }, signedSoFar: SignedFigures): Promise<IssuedReceipt> {
    // The snapshot and the figures signed are the same set of revisions: take it first (first wins), then read it.
    await this.deps.dataSource.transaction((tx) => takeEventSnapshot(tx, key, period.org_id, rangeOf(period)));
    const figures = await snapshotFigures(this.deps.dataSource.manager, key);
    const { reference } = await snapshotEntries(this.deps.dataSource.manager, key);
    const delta = combineFigures(figures.totals, signedSoFar.totals, -1);
    return this.issue({
      receiptKey: key, period, kind: 'adjustment', adjusts: { id: original.receipt_id, serial: original.serial }, totals: delta,
      figures: { ...figures, models: modelDeltas(figures.models, signedSoFar.models) }, snapshot: reference,
      grams: isPositive(delta.co2eKg.high) ? kgToGramsCeil(delta.co2eKg.high) : 0,
    });
  }

  /** The period receipt's figures plus every adjustment of it issued so far (except one under `exceptKey`). */
  private async signedFigures(receiptId: string, exceptKey: string): Promise<SignedFigures> {
    const rows: Array<{ payload: string }> = await this.deps.dataSource.query(
      `SELECT payload FROM carbon_receipts WHERE (id = $1 OR adjusts_receipt_id = $1) AND receipt_key IS DISTINCT FROM $2 ORDER BY issued_at, id`,
      [receiptId, exceptKey],
    );
    const payloads = rows.map((r) => JSON.parse(r.payload) as ReceiptPayload);
    return {
      totals: payloads.slice(1).reduce((sum, p) => combineFigures(sum, p.totals), payloads[0].totals),
      models: modelDeltas(payloads.flatMap((p) => p.models), []),
    };
  }

  private async issue(spec: IssueSpec): Promise<IssuedReceipt> {
    return this.deps.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ISSUE_LOCK, spec.receiptKey]);
      const again = await this.findByKey(spec.receiptKey, tx);
      if (again) return again;
      const allocation = await this.allocator.allocate(tx, { receiptKey: spec.receiptKey, grams: spec.grams });
      const credits: ReceiptCredits = toPayloadCredits(allocation);
      for (let attempt = 1; ; attempt++) {
        // A receipt dated before its key's creation is refused by verifiers: the key is created (first use) before
        // the date is taken, and a rotation between the two makes this attempt start over.
        const key = await this.deps.signingKeys.activeKey('receipt');
        const issuedAt = new Date(Math.max(this.now().getTime(), key.createdAt.getTime() + 1)).toISOString();
        const serial = generateReceiptSerial(spec.period.period_start);
        const signed = await this.deps.signingKeys.signReceiptPayload((keyId) => ReceiptPayload.parse({
          version: 1, serial, kind: spec.kind, adjusts: spec.adjusts?.serial ?? null,
          organization: { id: spec.period.org_id, name: spec.period.org_name },
          period: { start: spec.period.period_start.toISOString(), end: spec.period.period_end.toISOString() },
          totals: spec.totals, models: spec.figures.models, factorVersions: spec.figures.factorVersions, credits, snapshot: spec.snapshot,
          issuedAt, keyId,
        }));
        if (signed.keyId !== key.keyId && attempt < MAX_SERIAL_ATTEMPTS) continue;
        const code = await verifyCodeFor(this.deps.signingKeys, signed.keyId, serial);
        await tx.query('SAVEPOINT receipt_serial');
        try {
          const [row]: Array<{ id: string }> = await tx.query(
            `INSERT INTO carbon_receipts (serial, org_id, billing_period_id, kind, adjusts_receipt_id, payload, payload_sha256, signature, key_id, issued_at, receipt_key, verify_code_sha256)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
            [serial, spec.period.org_id, spec.period.id, spec.kind, spec.adjusts?.id ?? null, signed.canonical, signed.payloadSha256, signed.signature,
              signed.keyId, issuedAt, spec.receiptKey, hashVerifyCode(code)],
          );
          await tx.query('RELEASE SAVEPOINT receipt_serial');
          for (const line of allocation.lines) {
            await tx.query(
              `INSERT INTO credit_retirements (receipt_id, registry, project, vintage, serial_range, tonnes) VALUES ($1, $2, $3, $4, $5, $6)`,
              [row.id, line.registry, line.project, line.vintage, line.serialStart === line.serialEnd ? line.serialStart : `${line.serialStart}..${line.serialEnd}`, line.tonnes],
            );
          }
          return { receiptId: row.id, serial, kind: spec.kind, isNew: true };
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT receipt_serial');
          if (!isSerialConflict(err) || attempt >= MAX_SERIAL_ATTEMPTS) throw err;
        }
      }
    });
  }

  /** Appends the receipt to the public log (idempotent by serial) and hands it back. */
  private async logged(receipt: IssuedReceipt): Promise<IssuedReceipt> {
    const [row]: Array<{ payload_sha256: string }> = await this.deps.dataSource.query(`SELECT payload_sha256 FROM carbon_receipts WHERE id = $1`, [receipt.receiptId]);
    await this.deps.log.append(receipt.serial, row.payload_sha256);
    return receipt;
  }

  private async findByKey(receiptKey: string, db: EntityManager = this.deps.dataSource.manager): Promise<IssuedReceipt | null> {
    const [row]: Array<{ id: string; serial: string; kind: ReceiptKind }> = await db.query(
      `SELECT id, serial, kind FROM carbon_receipts WHERE receipt_key = $1`, [receiptKey]);
    return row ? { receiptId: row.id, serial: row.serial, kind: row.kind, isNew: false } : null;
  }

  private async loadPeriod(id: string): Promise<PeriodRow> {
    const [row]: PeriodRow[] = await this.deps.dataSource.query(
      `SELECT bp.id, bp.org_id, o.name AS org_name, bp.period_start, bp.period_end, bp.status, bp.snapshot
         FROM billing_periods bp JOIN organizations o ON o.id = bp.org_id WHERE bp.id = $1`, [id]);
    if (!row) throw new Error(`no billing period ${id}`);
    return row;
  }
}
