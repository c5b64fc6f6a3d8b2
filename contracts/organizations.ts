import { z } from 'zod';
import { IsoDateTime, IsoInstant, Uuid, page, plainText } from './common';

export const Plan = z.enum(['free', 'pro', 'enterprise']);
export type Plan = z.infer<typeof Plan>;

export const Organization = z.object({ id: Uuid, clerkOrgId: z.string(), name: z.string(), plan: Plan, createdAt: IsoDateTime });
export type Organization = z.infer<typeof Organization>;

export const Caller = z.object({
  type: z.enum(['user', 'api_key']),
  /** Clerk user id for a session token; the API key id for a key. */
  id: z.string(),
  /** The organization role of a session (Clerk custom roles count as org:member); null for an API key. */
  role: z.enum(['org:admin', 'org:member']).nullable(),
});
export type Caller = z.infer<typeof Caller>;

export const MeResponse = z.object({ organization: Organization, caller: Caller });
export type MeResponse = z.infer<typeof MeResponse>;

export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  prefix: z.string().describe('first characters of the key, safe to display'),
  createdAt: IsoDateTime,
  lastUsedAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
  expiresAt: IsoDateTime.nullable().describe('after this instant the key is refused (401); null: never expires'),
  createdBy: z.string().nullable().describe('Clerk user id of the admin who created it'),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyRequest = z.object({
  name: plainText().min(1).max(80),
  environment: z.enum(['live', 'test']).default('live'),
  expiresAt: IsoInstant.optional().describe('when the key stops working; must be in the future. Omit for a key that never expires'),
}).strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const CreateApiKeyResponse = ApiKey.extend({
  key: z.string().describe('the secret key; shown only in this response'),
});
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponse>;

export const ApiKeyList = page(ApiKey);
export type ApiKeyList = z.infer<typeof ApiKeyList>;
