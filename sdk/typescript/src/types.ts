/**
 * The SDK's types are the API contracts' (contracts/*.ts, z.infer), never written twice. Request bodies use the
 * schema's input side (fields with defaults are optional); query parameters are all optional.
 */
import type { z } from 'zod';
import type { ListAuditPacksQuery } from '../../../contracts/audit-packs';
import type { PageQuery } from '../../../contracts/common';
import type { DisclosureQuery } from '../../../contracts/disclosure';
import type { EstimateRequest } from '../../../contracts/estimate';
import type { EventsQuery, ExportQuery, TelemetryFilters } from '../../../contracts/telemetry';

export type { ErrorBody, ErrorCode } from '../../../contracts/errors';
export type { Connection, ConnectionList, CreateConnectionRequest, MoveConnectionRequest, ReplaceKeyRequest, SyncAccepted } from '../../../contracts/connections';
export type { CreateProjectRequest, Project, ProjectList, UpdateProjectRequest } from '../../../contracts/projects';
export type { ModelUsageList, TelemetryFilters, TelemetrySummary, UsageEvent, UsageEventPage } from '../../../contracts/telemetry';
export type { Bounds, EstimateResponse } from '../../../contracts/estimate';
export type { BillingStatusResponse } from '../../../contracts/billing';
export type { ReceiptDetail, ReceiptList, ReceiptSummary, VerifyReceiptResponse } from '../../../contracts/receipt-api';
export type { ReceiptPayload } from '../../../contracts/receipts';
export type { PublicKeySet, PublicSigningKey } from '../../../contracts/signing-keys';
export type { AuditPack, AuditPackList, AuditPackRequested, RequestAuditPackBody } from '../../../contracts/audit-packs';
export type { Disclosure, MonthDisclosure, RangeDisclosure } from '../../../contracts/disclosure';

/** `limit` (1-100, default 50) and the `cursor` a page handed out. */
export type ListParams = Partial<PageQuery>;
/** What POST /estimate takes; token fields with defaults may be left out. */
export type EstimateParams = z.input<typeof EstimateRequest>;
export type EventsParams = Partial<EventsQuery>;
export type ExportParams = Partial<ExportQuery>;
export type TelemetryParams = TelemetryFilters;
export type AuditPackListParams = Partial<ListAuditPacksQuery>;
/** `year` (YYYY) or `from` and `to` (YYYY-MM, both included); neither: the current year. */
export type DisclosureParams = Omit<Partial<DisclosureQuery>, 'format'>;
