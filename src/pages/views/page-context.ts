import type { Connection } from '../../../contracts/connections';
import type { Project } from '../../../contracts/projects';
import type { Config } from '../../config';
import type { Services } from '../../services';
import type { PageSession } from '../auth/page-session';

/** What every page's view is built from: the same services the API's handlers call, and who is asking. */
export interface PageContext {
  services: Services;
  config: Config;
  session: PageSession;
  orgId: string;
  now: Date;
  /** Where the API is reached from this browser (PUBLIC_BASE_URL, else this request's origin), for examples. */
  apiBase: string;
}

export const PROVIDER_NAMES: Record<string, string> = { openai: 'OpenAI', anthropic: 'Anthropic', openrouter: 'OpenRouter' };
export const providerName = (provider: string) => PROVIDER_NAMES[provider] ?? provider;

/** More than any dashboard lists; the API pages beyond it for clients that need them. */
const MAX_LISTED = 1000;

/** Walks a cursor-paginated service list to the end (or MAX_LISTED items). */
async function all<T>(page: (cursor?: string) => Promise<{ data: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.data);
    cursor = next.nextCursor ?? undefined;
  } while (cursor && items.length < MAX_LISTED);
  return items;
}

export const allProjects = (ctx: PageContext): Promise<Project[]> => all((cursor) => ctx.services.projects.list(ctx.orgId, 100, cursor));
export const allConnections = (ctx: PageContext): Promise<Connection[]> => all((cursor) => ctx.services.connections.list(ctx.orgId, 100, cursor));
