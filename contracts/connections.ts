import { z } from 'zod';
import { IsoDateTime, Uuid, page, plainText } from './common';
import { Provider } from './usage';

export const ConnectionStatus = z.enum(['active', 'paused', 'failed', 'deleted']);

// Provider keys are printable ASCII; anything else cannot travel in an HTTP header to the provider.
const ApiKeyInput = z.string().trim().min(8, 'must be at least 8 characters').max(512).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without whitespace');

export const CreateConnectionRequest = z.object({
  provider: Provider,
  apiKey: ApiKeyInput.describe('an admin (OpenAI, Anthropic) or management (OpenRouter) key; validated with the provider, stored in the secret store, never returned'),
  name: plainText().min(1).max(80).optional(),
  projectId: Uuid.optional().describe('defaults to the organization\'s default project'),
}).strict();
export type CreateConnectionRequest = z.infer<typeof CreateConnectionRequest>;

export const Connection = z.object({
  id: Uuid,
  provider: Provider,
  name: z.string(),
  projectId: Uuid,
  status: ConnectionStatus,
  keyHint: z.string().describe('last four characters of the key'),
  consecutiveFailures: z.number().int(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  cursor: IsoDateTime.nullable().describe('usage is synced up to this instant'),
  lastPolledAt: IsoDateTime.nullable(),
  lastSuccessAt: IsoDateTime.nullable(),
  workflowId: z.string(),
  createdAt: IsoDateTime,
  providerAccount: z.object({ id: z.string(), name: z.string().nullable() }).nullable()
    .describe('the provider account the key belongs to, where the provider says (Anthropic); one live connection per account'),
});
export type Connection = z.infer<typeof Connection>;

export const ConnectionList = page(Connection);
export type ConnectionList = z.infer<typeof ConnectionList>;

export const MoveConnectionRequest = z.object({ projectId: Uuid }).strict();
export type MoveConnectionRequest = z.infer<typeof MoveConnectionRequest>;

export const ReplaceKeyRequest = z.object({ apiKey: ApiKeyInput }).strict();
export type ReplaceKeyRequest = z.infer<typeof ReplaceKeyRequest>;

export const SyncAccepted = z.object({ connectionId: Uuid, status: z.literal('sync_requested'), requestedAt: IsoDateTime });
export type SyncAccepted = z.infer<typeof SyncAccepted>;
