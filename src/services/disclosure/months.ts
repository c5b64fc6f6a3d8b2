/** Calendar months as `YYYY-MM`, UTC. */

const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
const fromIndex = (i: number) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

/** Every month from `from` to `to`, both included. */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  for (let i = index(from); i <= index(to); i++) months.push(fromIndex(i));
  return months;
}

/** The first instant of the month, and of the month after `to`: the usage range [start, end). */
export function monthRange(from: string, to: string): { start: string; end: string } {
  return { start: `${from}-01T00:00:00.000Z`, end: `${fromIndex(index(to) + 1)}-01T00:00:00.000Z` };
}

export const firstDay = (month: string) => `${month}-01`;

/** The month's last calendar day (the disclosure period's inclusive end). */
export function lastDay(month: string): string {
  const end = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0));
  return `${month}-${String(end.getUTCDate()).padStart(2, '0')}`;
}

/** `CL-YYYYMM-…` → `YYYY-MM`. */
export const monthOfSerial = (serial: string) => `${serial.slice(3, 7)}-${serial.slice(7, 9)}`;
