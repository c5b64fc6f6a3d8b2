import { co2eKgParts, formatDay, formatInstant, formatRelative, lastDayOf } from '../format';
import { upgradeView } from './billing-view';
import type { PageContext } from './page-context';

const PAGE_SIZE = 24;

/**
 * `/receipts`: on a paid plan, the organization's receipts (as GET /api/v1/receipts lists them) with their PDF and
 * public verify links (the verify URL GET /api/v1/receipts/{id} gives); on the free plan, what a receipt is and
 * the upgrade button.
 */
export async function receiptsView(ctx: PageContext, query: Record<string, unknown>) {
  const isPaid = ctx.session.auth.org.plan !== 'free';
  if (!isPaid) return { isPaid, upgrade: upgradeView(ctx), receipts: [], nextReceiptDue: null, olderHref: null };
  const cursor = typeof query.after === 'string' && query.after ? query.after : undefined;
  const [page, status] = await Promise.all([
    ctx.services.receipts.list(ctx.orgId, { limit: PAGE_SIZE, cursor }),
    ctx.services.billing.readStatus(ctx.orgId),
  ]);
  const verifyUrls = await Promise.all(page.data.map((r) => ctx.services.receipts.verifyUrl(r.keyId, r.serial)));
  return {
    isPaid,
    upgrade: null,
    nextReceiptDue: status.nextReceiptDueAt ? `${formatInstant(status.nextReceiptDueAt)} (${formatRelative(status.nextReceiptDueAt, ctx.now)})` : null,
    olderHref: page.nextCursor ? `/receipts?after=${encodeURIComponent(page.nextCursor)}` : null,
    receipts: page.data.map((r, i) => ({
      id: r.id, serial: r.serial,
      kindText: r.kind === 'adjustment' ? `adjusts ${r.adjusts ?? 'an earlier receipt'}` : 'period receipt',
      period: `${formatDay(r.period.start)} – ${formatDay(lastDayOf(r.period.end))}`,
      issued: formatInstant(r.issuedAt),
      co2e: co2eKgParts(r.co2eKg),
      pdfHref: `/receipts/${r.id}/pdf`,
      verifyUrl: verifyUrls[i],
    })),
  };
}
