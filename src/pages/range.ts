import { Uuid } from '../../contracts/common';
import { IsoDate, MAX_RANGE_DAYS, type TelemetryFilters } from '../../contracts/telemetry';

/** The range picker's choices; `custom` takes two dates, both included. */
export const RANGE_CHOICES = [
  { value: 'last30', label: 'Last 30 days' },
  { value: 'month', label: 'This month' },
  { value: 'year', label: 'This year' },
  { value: 'custom', label: 'Custom' },
] as const;
export type RangeChoice = (typeof RANGE_CHOICES)[number]['value'];

/** What the filter form shows again, and the telemetry filters it stands for. */
export interface PageFilters {
  range: RangeChoice;
  /** Custom range as typed: first and last day, both included. */
  from: string;
  to: string;
  projectId: string;
  /** For the API's telemetry services: `to` is exclusive there. */
  telemetry: TelemetryFilters;
  /** A problem with what was asked, said in words; the defaults are shown instead. */
  problem?: string;
  /** The query string that reproduces these filters on another page (`?range=…&project=…`). */
  query: string;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const text = (v: unknown) => (typeof first(v) === 'string' ? (first(v) as string).trim() : '');

/**
 * Reads the picker's GET parameters (range, from, to, project). Every day is a UTC day, as in the API; "today" is
 * included in every preset, so `to` is tomorrow. A bad custom range or project id is reported and replaced by the
 * default, so the page still shows something.
 */
export function parsePageFilters(query: Record<string, unknown>, now: Date): PageFilters {
  const today = Date.parse(`${isoDay(now.getTime())}T00:00:00Z`);
  const tomorrow = isoDay(today + DAY_MS);
  const asked = text(query.range);
  let range: RangeChoice = RANGE_CHOICES.some((c) => c.value === asked) ? (asked as RangeChoice) : 'last30';
  let problem: string | undefined;
  let from = text(query.from);
  let to = text(query.to);
  let projectId = text(query.project);
  if (projectId && !Uuid.safeParse(projectId).success) {
    problem = 'That project does not exist; showing all projects.';
    projectId = '';
  }

  let telemetry: TelemetryFilters;
  const presets: Record<Exclude<RangeChoice, 'custom'>, () => TelemetryFilters> = {
    last30: () => ({ from: isoDay(today - 29 * DAY_MS), to: tomorrow }),
    month: () => ({ from: `${isoDay(today).slice(0, 7)}-01`, to: tomorrow }),
    year: () => ({ from: `${isoDay(today).slice(0, 4)}-01-01`, to: tomorrow }),
  };
  if (range === 'custom') {
    const customProblem = checkCustom(from, to);
    if (customProblem) {
      problem = customProblem;
      range = 'last30';
      telemetry = presets.last30();
    } else {
      telemetry = { from, to: isoDay(Date.parse(`${to}T00:00:00Z`) + DAY_MS) };
    }
  } else {
    telemetry = presets[range]();
  }
  if (range !== 'custom') {
    from = telemetry.from!;
    to = isoDay(Date.parse(`${telemetry.to}T00:00:00Z`) - DAY_MS);
  }
  if (projectId) telemetry.projectId = projectId;
  const params = new URLSearchParams({ range });
  if (range === 'custom') { params.set('from', from); params.set('to', to); }
  if (projectId) params.set('project', projectId);
  return { range, from, to, projectId, telemetry, problem, query: `?${params.toString()}` };
}

function checkCustom(from: string, to: string): string | undefined {
  if (!IsoDate.safeParse(from).success || !IsoDate.safeParse(to).success) return 'A custom range needs two dates (YYYY-MM-DD); showing the last 30 days.';
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) return 'The custom range ends before it starts; showing the last 30 days.';
  if (days > MAX_RANGE_DAYS) return `A range may span at most ${MAX_RANGE_DAYS} days; showing the last 30 days.`;
  return undefined;
}
