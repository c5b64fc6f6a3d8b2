import { CreateApiKeyRequest, CreateApiKeyResponse } from '../../../../contracts/organizations';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/api-keys',
  summary: 'Create an organization API key; the secret is in this response only',
  tag: 'api-keys',
  auth: 'organization',
  access: 'admin-session',
  body: CreateApiKeyRequest,
  response: { status: 201, schema: CreateApiKeyResponse },
  errors: [403],
  // With an Idempotency-Key, a retry within 24 h replays this response, secret included (as Stripe replays bodies):
  // a client whose response was lost gets the key it created instead of an orphan it cannot see and must revoke. The
  // replay needs the same admin-session access, organization and key; the stored body is sealed under a key derived
  // from the Idempotency-Key itself (kept only as a hash), so the table alone never yields a usable secret.
  // `admin-session` guarantees a signed-in admin: the creator recorded is the Clerk user id, never another key's id.
  handler: async ({ auth, body, deps }) => deps.services.apiKeys.create(auth.orgId, body, auth.caller.type === 'user' ? auth.caller.id : null),
});
