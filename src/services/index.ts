import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { TemporalHandle } from '../integrations/temporal';
import { ApiKeyService } from './api-key.service';
import { OrganizationService } from './organization.service';

export interface ServiceDeps {
  dataSource: DataSource;
  temporal: TemporalHandle;
  config: Config;
  logger: Logger;
  now?: () => Date;
}

export interface Services {
  organizations: OrganizationService;
  apiKeys: ApiKeyService;
}

export function createServices(deps: ServiceDeps): Services {
  const now = deps.now ?? (() => new Date());
  return {
    organizations: new OrganizationService(deps.dataSource),
    apiKeys: new ApiKeyService(deps.dataSource, now),
  };
}
