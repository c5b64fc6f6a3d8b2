import type { Project } from '../../../contracts/projects';
import type { TelemetryFilters } from '../../../contracts/telemetry';
import { formatDay, lastDayOf } from '../format';
import { parsePageFilters, RANGE_CHOICES, type PageFilters } from '../range';

export interface FiltersView {
  form: PageFilters & { choices: typeof RANGE_CHOICES; projects: Project[]; label: string; projectName: string | null };
  telemetry: TelemetryFilters;
  problem?: string;
}

/** The filter form as the templates show it, and the telemetry filters it stands for. */
export function filtersView(query: Record<string, unknown>, now: Date, projects: Project[]): FiltersView {
  let filters = parsePageFilters(query, now);
  let problem = filters.problem;
  let project = projects.find((p) => p.id === filters.projectId);
  if (filters.projectId && !project) {
    // Another organization's project, or a deleted one: the service would refuse it; show everything instead.
    filters = parsePageFilters({ ...query, project: '' }, now);
    problem = 'That project does not exist; showing all projects.';
    project = undefined;
  }
  const { from, to } = filters.telemetry;
  return {
    form: { ...filters, choices: RANGE_CHOICES, projects, label: `${formatDay(from!)} – ${formatDay(lastDayOf(to!))}`, projectName: project?.name ?? null },
    telemetry: filters.telemetry,
    problem,
  };
}
