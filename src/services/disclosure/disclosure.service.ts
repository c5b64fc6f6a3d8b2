import type { DataSource, EntityManager } from 'typeorm';
import {
  DisclosureMonth, MAX_DISCLOSURE_MONTHS, MonthDisclosure, RangeDisclosure, monthsBetween, DISCLOSURE_SCHEMA,
  type Disclosure, type DisclosureLine, type DisclosureMonthSummary, type DisclosureQuery,
} from '../../../contracts/disclosure';
import { AppError } from '../../errors';
import { creditsSection } from './credits-section';
import { dqScoreOf, disclosureBody, FALLBACK_TIER, UNASSIGNED } from './disclosure-body';
import { disclosureViolations } from './disclosure-checks';
import { chooseFactorSet, gridSourceOf, readFactorSets, type FactorSetInfo } from './factor-set-info';
import { figuresOf, sumFigures } from './figures';
import { firstDay, lastDay, monthsOf } from './months';
import { readPeriodReceipts, receiptsSigning, toDisclosureReceipt, type PeriodReceipt } from './period-receipts';
import { monthStanding, type MonthStanding } from './restatements';
import { STATEMENTS } from './statements';
import { readConnections, readUsageLines, type UsageLine } from './usage-lines';

export interface DisclosureOptions {
  /** The document's `generatedAt` (default: now). A pack passes its own so the file is reproducible. */
  generatedAt?: Date;
}

function checkMonth(value: string, field: string): void {
  const parsed = DisclosureMonth.safeParse(value);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `${field}: ${parsed.error.issues[0].message}`, { field });
}

function toLine(u: UsageLine, sets: FactorSetInfo[], receipts: PeriodReceipt[]): DisclosureLine {
  return {
    month: u.month, provider: u.provider, model: u.model, tier: u.tier, matched: u.tier !== FALLBACK_TIER,
    projectId: u.projectId, project: u.projectName || UNASSIGNED, region: UNASSIGNED, gridCiSource: gridSourceOf(sets, u.factorVersion),
    factorVersion: u.factorVersion, dqScore: dqScoreOf(u.tier), receipts: receiptsSigning(receipts, u.month, u.provider, u.model, u.factorVersion),
    ...figuresOf(u),
  };
}

const movedNote = (s: MonthStanding) => s.restatement && `${s.month}: the figures moved since the period receipt: issued high ${s.restatement.issuedHighKg} kg, `
  + `signed with adjustments ${s.restatement.signedHighKg} kg, current ${s.restatement.currentHighKg} kg`
  + `${s.restatement.adjustmentReceipts.length ? ` (adjustment receipts ${s.restatement.adjustmentReceipts.join(', ')})` : ''}. Issued receipts keep their figures.`;

/**
 * The emissions disclosure of an organization (reference/disclosure.md §8–§11) from its current usage rows, its
 * receipts and the credits ledger, read in one consistent snapshot. One month gives the month shape; a longer range
 * the year/range shape with months, restatements and coverage. Every document is checked against its contract and
 * the §11 sums before it is returned.
 */
export class DisclosureService {
  constructor(private readonly dataSource: DataSource, private readonly now: () => Date = () => new Date()) {}

  /** What GET /api/v1/disclosure asks for: a year, a range of months, or (neither) the current calendar year. */
  async forQuery(orgId: string, q: Pick<DisclosureQuery, 'year' | 'from' | 'to'>, opts: DisclosureOptions = {}): Promise<Disclosure> {
    if (q.from !== undefined && q.to !== undefined) return this.range(orgId, q.from, q.to, opts);
    const year = q.year ?? String(this.now().getUTCFullYear());
    return this.range(orgId, `${year}-01`, `${year}-12`, opts);
  }

  async month(orgId: string, month: string, opts: DisclosureOptions = {}): Promise<MonthDisclosure> {
    checkMonth(month, 'month');
    return (await this.range(orgId, month, month, opts)) as MonthDisclosure;
  }

  async range(orgId: string, from: string, to: string, opts: DisclosureOptions = {}): Promise<Disclosure> {
    checkMonth(from, 'from');
    checkMonth(to, 'to');
    if (to < from) throw new AppError('VALIDATION_FAILED', 'to: must not be before from', { field: 'to' });
    if (monthsBetween(from, to) > MAX_DISCLOSURE_MONTHS) {
      throw new AppError('VALIDATION_FAILED', `to: the range may span at most ${MAX_DISCLOSURE_MONTHS} months`, { field: 'to' });
    }
    const generatedAt = (opts.generatedAt ?? this.now()).toISOString();
    const doc = await this.dataSource.transaction('REPEATABLE READ', (tx) => this.build(tx, orgId, from, to, generatedAt));
    const problems = disclosureViolations(doc);
    if (problems.length > 0) throw new Error(`disclosure of ${orgId} ${from}..${to} fails its checks: ${problems.join('; ')}`);
    return doc;
  }

  private async build(tx: EntityManager, orgId: string, from: string, to: string, generatedAt: string): Promise<Disclosure> {
    await tx.query('SET TRANSACTION READ ONLY');
    const [org]: Array<{ name: string }> = await tx.query(`SELECT name FROM organizations WHERE id = $1`, [orgId]);
    if (!org) throw new AppError('NOT_FOUND', 'organization not found');
    const sets = await readFactorSets(tx);
    const receipts = await readPeriodReceipts(tx, orgId, from, to);
    const lines = (await readUsageLines(tx, orgId, from, to)).map((u) => toLine(u, sets, receipts));
    const used = [...new Set(lines.map((l) => l.factorVersion))].sort();
    const factorSet = chooseFactorSet(sets, used);
    const standings: MonthStanding[] = [];
    for (const month of monthsOf(from, to)) standings.push(await monthStanding(tx, orgId, month, receipts));
    const body = disclosureBody(lines, { factorSetName: factorSet.name });
    body.dataQuality.notes.push(...standings.map(movedNote).filter((n): n is string => !!n));
    const common = {
      schema: DISCLOSURE_SCHEMA, org: { id: orgId, name: org.name }, generatedAt,
      factorSet: { name: factorSet.name, version: factorSet.version, sha256: factorSet.sha256 }, factorVersionsUsed: used,
      ...STATEMENTS, ...body, lines, credits: await creditsSection(tx, receipts), receipts: receipts.map(toDisclosureReceipt),
    };
    const period = { start: firstDay(from), end: lastDay(to), tz: 'UTC' as const };
    if (from === to) return MonthDisclosure.parse({ ...common, period: { kind: 'month', ...period } });

    const months: DisclosureMonthSummary[] = standings.map((s) => {
      const ofMonth = lines.filter((l) => l.month === s.month);
      return {
        month: s.month, co2eKg: sumFigures(ofMonth.map(figuresOf)).co2eKg,
        factorVersions: [...new Set(ofMonth.map((l) => l.factorVersion))].sort(), status: s.status,
        receipts: receipts.filter((r) => r.month === s.month).map((r) => r.serial),
      };
    });
    const isYear = from.endsWith('-01') && to === `${from.slice(0, 4)}-12`;
    return RangeDisclosure.parse({
      ...common, period: { kind: isYear ? 'year' : 'range', ...period }, months,
      restatements: standings.flatMap((s) => (s.restatement ? [s.restatement] : [])),
      coverage: { months: months.length, monthsWithData: months.filter((m) => m.factorVersions.length > 0).length, connections: await readConnections(tx, orgId, from, to) },
    });
  }
}
