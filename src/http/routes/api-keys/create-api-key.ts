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
  // `admin-session` guarantees a signed-in admin: the creator recorded is the Clerk user id, never another key's id.
  handler: async ({ auth, body, deps }) => deps.services.apiKeys.create(auth.orgId, body, auth.caller.type === 'user' ? auth.caller.id : null),
});
