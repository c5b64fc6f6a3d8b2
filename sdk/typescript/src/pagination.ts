/** What every list endpoint answers (contracts/common.ts `page`): pass `nextCursor` back as `cursor`; null at the end. */
export interface CursorPage<Item> {
  data: Item[];
  nextCursor: string | null;
}

/**
 * A list call. `await` it (it is a Promise of the first page) for one page; `for await` over it for every item of every page (the next page is fetched
 * when the current one is used up); `.pages()` for page after page.
 */
export class PageIterator<Page extends CursorPage<Item>, Item = Page['data'][number]> implements Promise<Page>, AsyncIterable<Item> {
  readonly [Symbol.toStringTag] = 'PageIterator';
  private firstPage: Promise<Page> | undefined;

  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page>, private readonly startCursor?: string) {}

  private first(): Promise<Page> {
    this.firstPage ??= this.fetchPage(this.startCursor);
    return this.firstPage;
  }

  then<R1 = Page, R2 = never>(onFulfilled?: ((page: Page) => R1 | PromiseLike<R1>) | null, onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.first().then(onFulfilled, onRejected);
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page | R> {
    return this.first().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<Page> {
    return this.first().finally(onFinally);
  }

  async *pages(): AsyncGenerator<Page, void, undefined> {
    let page = await this.first();
    const seen = new Set<string>();
    for (;;) {
      yield page;
      const cursor = page.nextCursor;
      // A cursor seen before would loop forever; the API never repeats one, so this only guards against a broken proxy.
      if (!cursor || seen.has(cursor)) return;
      seen.add(cursor);
      page = await this.fetchPage(cursor);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    for await (const page of this.pages()) yield* page.data as Item[];
  }

  /** Every item of every page, in order (for small lists: it holds them all in memory). */
  async toArray(): Promise<Item[]> {
    const items: Item[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
