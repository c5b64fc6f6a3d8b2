import type { Provider } from '../../contracts/usage';
import { schemaError } from './errors';

export interface CursorPage<T> {
  items: T;
  hasMore: boolean;
  nextPage: string | null | undefined;
}

// A runaway cursor would otherwise poll forever; 1000 pages of 168 hourly buckets is ~19 years.
const MAX_PAGES = 1000;

/**
 * Follows OpenAI/Anthropic-style cursors: the same request plus `page=<next_page>` while `has_more` is true.
 * Cursors are opaque and passed back verbatim. A cursor that repeats is a provider bug we must not loop on.
 */
export async function* paginate<T>(provider: Provider, fetchPage: (page: string | undefined) => Promise<CursorPage<T>>): AsyncGenerator<T> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pageCount = 0; pageCount < MAX_PAGES; pageCount++) {
    const page = await fetchPage(cursor);
    yield page.items;
    if (!page.hasMore || !page.nextPage) return;
    if (seen.has(page.nextPage)) throw schemaError(provider, 'pagination cursor repeated; refusing to loop');
    seen.add(page.nextPage);
    cursor = page.nextPage;
  }
  throw schemaError(provider, `more than ${MAX_PAGES} pages; refusing to continue`);
}
