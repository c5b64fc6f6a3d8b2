import { CreateApiKeyRequest, CreateApiKeyResponse } from '../../../../contracts/organizations';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/api-keys',
  summary: 'Create an organization API key; the secret is in this response only',
  tag: 'api-keys',
  auth: 'organization',
  body: CreateApiKeyRequest,
  response: { status: 201, schema: CreateApiKeyResponse },
  handler: async ({ auth, body, deps }) => deps.services.apiKeys.create(auth.orgId, body, auth.caller.id),
});
