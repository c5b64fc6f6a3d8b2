import { z } from 'zod';
import { IsoDateTime, Uuid, page, plainText } from './common';

const ProjectName = plainText().min(1, 'must not be empty').max(80);

export const ProjectSlug = z.string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'must be lowercase letters, digits and hyphens, starting and ending with a letter or digit');

export const Project = z.object({
  id: Uuid,
  name: z.string(),
  slug: ProjectSlug.describe('unique within the organization'),
  isDefault: z.boolean().describe('new connections land here; every organization has exactly one default project'),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  activeConnections: z.number().int().describe('connections that are not deleted (active, paused or failed); a project with any cannot be deleted'),
});
export type Project = z.infer<typeof Project>;

export const ProjectList = page(Project);
export type ProjectList = z.infer<typeof ProjectList>;

export const CreateProjectRequest = z.object({
  name: ProjectName,
  slug: ProjectSlug.optional().describe('derived from the name when omitted (`research`, then `research-2`, …)'),
}).strict();
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;

export const UpdateProjectRequest = z.object({
  name: ProjectName.optional(),
  slug: ProjectSlug.optional(),
  isDefault: z.literal(true, { error: 'only true is accepted: make another project the default instead' })
    .optional()
    .describe('makes this project the default; the previous default loses the flag in the same transaction'),
}).strict().refine((b) => b.name !== undefined || b.slug !== undefined || b.isDefault !== undefined, {
  error: 'at least one of name, slug, isDefault is required',
});
export type UpdateProjectRequest = z.infer<typeof UpdateProjectRequest>;
