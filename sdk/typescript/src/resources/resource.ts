import type { HttpClient } from '../http-client';

export abstract class Resource {
  constructor(protected readonly http: HttpClient) {}
}

/** An id in a path: encoded, so an id with `/` or `?` cannot reach another route. */
export const segment = (id: string) => encodeURIComponent(id);
