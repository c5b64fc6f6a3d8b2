import { resolveConfig, type ClientOptions, type ResolvedConfig } from './config';
import { HttpClient } from './http-client';
import { AuditPacks } from './resources/audit-packs';
import { Billing } from './resources/billing';
import { Connections } from './resources/connections';
import { Disclosure } from './resources/disclosure';
import { Estimate } from './resources/estimate';
import { Export } from './resources/export';
import { Projects } from './resources/projects';
import { Receipts } from './resources/receipts';
import { Telemetry } from './resources/telemetry';

/**
 * The CarbonPlan API client. `new CarbonPlan()` reads CARBONPLAN_API_KEY and CARBONPLAN_BASE_URL; options win.
 * Without a key, only the public endpoints answer (the others raise AuthenticationError).
 */
export class CarbonPlan {
  readonly config: Readonly<ResolvedConfig>;
  /** The request layer (retries, idempotency keys, typed errors), for endpoints the resources do not cover yet. */
  readonly http: HttpClient;
  readonly connections: Connections;
  readonly projects: Projects;
  readonly telemetry: Telemetry;
  readonly export: Export;
  readonly estimate: Estimate;
  readonly billing: Billing;
  readonly receipts: Receipts;
  readonly auditPacks: AuditPacks;
  readonly disclosure: Disclosure;

  constructor(options: ClientOptions = {}) {
    this.config = Object.freeze(resolveConfig(options));
    this.http = new HttpClient(this.config);
    this.connections = new Connections(this.http);
    this.projects = new Projects(this.http);
    this.telemetry = new Telemetry(this.http);
    this.export = new Export(this.http);
    this.estimate = new Estimate(this.http);
    this.billing = new Billing(this.http);
    this.receipts = new Receipts(this.http);
    this.auditPacks = new AuditPacks(this.http);
    this.disclosure = new Disclosure(this.http);
  }
}
