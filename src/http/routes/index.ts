import type { RouteSpec } from '../route';
import createApiKey from './api-keys/create-api-key';
import listApiKeys from './api-keys/list-api-keys';
import revokeApiKey from './api-keys/revoke-api-key';
import getHealth from './health/get-health';
import getMe from './me/get-me';

/**
 * Every endpoint. The app mounts exactly these, the OpenAPI document is generated from them, and the
 * tenancy sweep test walks them, so a new route cannot escape any of the three.
 */
export const ROUTES: RouteSpec[] = [getHealth, getMe, createApiKey, listApiKeys, revokeApiKey];
