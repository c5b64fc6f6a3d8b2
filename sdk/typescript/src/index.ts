export { CarbonPlan } from './client';
export { DEFAULT_BASE_URL, type ClientOptions } from './config';
export {
  APIConnectionError, APIError, AuthenticationError, ConflictError, NotFoundError, PermissionError, PlanRequiredError,
  RateLimitError, ResponseValidationError, ServiceUnavailableError, ValidationError, type APIErrorInit,
} from './errors';
export type { HttpClient, RequestOptions } from './http-client';
export { PageIterator, type CursorPage } from './pagination';
export type { Download } from './resources/export';
export { verifyReceipt, type PinnedKey, type ReceiptVerification, type VerifyOptions } from './verify';
export { VERSION } from './version';
export type * from './types';
