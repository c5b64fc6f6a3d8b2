import { Project, ProjectList } from '../../../../contracts/projects';
import type { RequestOptions } from '../http-client';
import { PageIterator } from '../pagination';
import type { CreateProjectRequest, ListParams, UpdateProjectRequest } from '../types';
import { Resource, segment } from './resource';

/** Projects group connections; every organization has one default project. */
export class Projects extends Resource {
  list(params: ListParams = {}, options?: RequestOptions): PageIterator<ProjectList> {
    return new PageIterator((cursor) => this.http.json({ method: 'GET', path: '/api/v1/projects', query: { ...params, cursor }, options }, ProjectList), params.cursor);
  }

  get(id: string, options?: RequestOptions): Promise<Project> {
    return this.http.json({ method: 'GET', path: `/api/v1/projects/${segment(id)}`, options }, Project);
  }

  create(body: CreateProjectRequest, options?: RequestOptions): Promise<Project> {
    return this.http.json({ method: 'POST', path: '/api/v1/projects', body, options }, Project);
  }

  update(id: string, body: UpdateProjectRequest, options?: RequestOptions): Promise<Project> {
    return this.http.json({ method: 'PATCH', path: `/api/v1/projects/${segment(id)}`, body, options }, Project);
  }

  /** Refused (ConflictError) while the project has connections or is the default. */
  delete(id: string, options?: RequestOptions): Promise<void> {
    return this.http.empty({ method: 'DELETE', path: `/api/v1/projects/${segment(id)}`, options });
  }
}
