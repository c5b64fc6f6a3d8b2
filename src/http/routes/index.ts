import type { RouteSpec } from '../route';
import createApiKey from './api-keys/create-api-key';
import listApiKeys from './api-keys/list-api-keys';
import revokeApiKey from './api-keys/revoke-api-key';
import downloadAuditPack from './audit-packs/download-audit-pack';
import listAuditPacks from './audit-packs/list-audit-packs';
import requestAuditPack from './audit-packs/request-audit-pack';
import createCheckout from './billing/create-checkout';
import createPortalSession from './billing/create-portal-session';
import getBillingStatus from './billing/get-billing-status';
import createConnection from './connections/create-connection';
import deleteConnection from './connections/delete-connection';
import getConnection from './connections/get-connection';
import listConnections from './connections/list-connections';
import moveConnection from './connections/move-connection';
import replaceConnectionKey from './connections/replace-connection-key';
import syncConnection from './connections/sync-connection';
import getDisclosure from './disclosure/get-disclosure';
import createEstimate from './estimate/create-estimate';
import exportUsage from './export/export-usage';
import getHealth from './health/get-health';
import getConsistencyProof from './log/get-consistency-proof';
import getInclusionProof from './log/get-inclusion-proof';
import getLogCheckpoint from './log/get-log-checkpoint';
import listLogEntries from './log/list-log-entries';
import getMe from './me/get-me';
import createProject from './projects/create-project';
import deleteProject from './projects/delete-project';
import getProject from './projects/get-project';
import listProjects from './projects/list-projects';
import updateProject from './projects/update-project';
import createPublicEstimate from './public/create-public-estimate';
import listPublicKeys from './public/list-public-keys';
import verifyReceipt from './public/verify-receipt';
import getReceipt from './receipts/get-receipt';
import getReceiptPdf from './receipts/get-receipt-pdf';
import listReceipts from './receipts/list-receipts';
import getSummary from './telemetry/get-summary';
import listEvents from './telemetry/list-events';
import listModels from './telemetry/list-models';

/**
 * Every endpoint. The app mounts exactly these, the OpenAPI document is generated from them, and the
 * tenancy sweep test walks them, so a new route cannot escape any of the three.
 */
export const ROUTES: RouteSpec[] = [
  getHealth, getMe, createApiKey, listApiKeys, revokeApiKey,
  createEstimate, getSummary, listModels, listEvents, exportUsage,
  createConnection, listConnections, getConnection, deleteConnection, syncConnection, moveConnection, replaceConnectionKey,
  createProject, listProjects, getProject, updateProject, deleteProject,
  createCheckout, createPortalSession, getBillingStatus,
  createPublicEstimate, listPublicKeys, getLogCheckpoint, getInclusionProof, getConsistencyProof, listLogEntries,
  listReceipts, getReceipt, getReceiptPdf, verifyReceipt,
  requestAuditPack, listAuditPacks, downloadAuditPack,
  getDisclosure,
];
