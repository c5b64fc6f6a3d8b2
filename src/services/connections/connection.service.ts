import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { QueryFailedError, type DataSource } from 'typeorm';
import type { Connection, CreateConnectionRequest } from '../../../contracts/connections';
import type { Provider } from '../../../contracts/usage';
import { ProviderError, type Connectors } from '../../connectors';
import { ProjectEntity, ProviderConnectionEntity } from '../../db/entities';
import { AppError, notFound } from '../../errors';
import type { ProviderKeyStore } from '../../integrations/secrets';
import { decodeCursor, keysetColumns, toPage } from '../pagination';
import { connectionWorkflowId, type ConnectionWorkflows } from './connection-workflows';

const MANUAL_SYNC_INTERVAL_MS = 5 * 60_000;

export interface ConnectionServiceDeps {
  dataSource: DataSource;
  connectors: Connectors;
  providerKeys: ProviderKeyStore;
  workflows: ConnectionWorkflows;
  logger: Logger;
  now?: () => Date;
}

export function toConnectionContract(row: ProviderConnectionEntity): Connection {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id, provider: row.provider as Provider, name: row.name, projectId: row.projectId, status: row.status, keyHint: row.keyHint,
    consecutiveFailures: row.consecutiveFailures, lastError: row.lastError, cursor: iso(row.cursor), lastPolledAt: iso(row.lastPolledAt),
    lastSuccessAt: iso(row.lastSuccessAt), workflowId: row.workflowId, createdAt: row.createdAt.toISOString(),
  };
}

const keyHint = (key: string) => key.slice(-4);
const keyFingerprint = (key: string) => createHash('sha256').update(key).digest('hex');
const isOneKeyViolation = (err: unknown) =>
  err instanceof QueryFailedError && (err.driverError as { constraint?: string }).constraint === 'provider_connections_one_per_key';

/**
 * Provider connections: the key is checked with the provider before anything is stored, lives only in the
 * secret store, and each connection has exactly one polling workflow. Every lookup is scoped by organization,
 * so another organization's id is simply "not found".
 */
export class ConnectionService {
  private readonly now: () => Date;
  constructor(private readonly deps: ConnectionServiceDeps) { this.now = deps.now ?? (() => new Date()); }

  private get repo() { return this.deps.dataSource.getRepository(ProviderConnectionEntity); }

  async get(orgId: string, id: string): Promise<ProviderConnectionEntity> {
    const row = await this.repo.findOneBy({ id, orgId });
    if (!row || row.status === 'deleted') throw notFound('connection');
    return row;
  }

  async list(orgId: string, limit: number, cursor?: string) {
    const after = decodeCursor(cursor);
    const qb = this.repo.createQueryBuilder('c').where('c.org_id = :orgId', { orgId }).andWhere(`c.status <> 'deleted'`);
    const keyset = keysetColumns('c');
    if (after) qb.andWhere(keyset.after, { cursorAt: after.createdAt, cursorId: after.id });
    const rows = await qb.orderBy(keyset.order[0], 'ASC').addOrderBy(keyset.order[1], 'ASC').limit(limit + 1).getMany();
    return toPage(rows, limit, toConnectionContract);
  }

  async create(orgId: string, input: CreateConnectionRequest, requestId?: string): Promise<Connection> {
    const projectId = await this.resolveProject(orgId, input.projectId);
    const fingerprint = keyFingerprint(input.apiKey);
    await this.refuseConnectedKey(orgId, input.provider, fingerprint);
    await this.validateKey(input.provider, input.apiKey);

    const id = randomUUID();
    const secretRef = await this.deps.providerKeys.putProviderKey({ orgId, connectionId: id, provider: input.provider }, input.apiKey);
    try {
      await this.repo.insert({
        id, orgId, projectId, provider: input.provider, name: input.name ?? `${input.provider} ${keyHint(input.apiKey)}`,
        secretRef, keyHint: keyHint(input.apiKey), keyFingerprint: fingerprint, status: 'active', workflowId: connectionWorkflowId(id),
      });
      await this.deps.workflows.start({ connectionId: id, orgId, provider: input.provider, requestId });
    } catch (err) {
      // Nothing half-created survives: no row without a poller, no secret without a row.
      await this.repo.delete({ id }).catch(() => undefined);
      await this.deps.providerKeys.deleteProviderKey(secretRef).catch(() => undefined);
      if (isOneKeyViolation(err)) await this.refuseConnectedKey(orgId, input.provider, fingerprint); // lost a race with a twin request
      this.deps.logger.error({ err, connectionId: id }, 'connection creation failed');
      throw new AppError('SERVICE_UNAVAILABLE', 'the connection could not be created right now; nothing was stored, retry in a moment');
    }
    return toConnectionContract(await this.repo.findOneByOrFail({ id }));
  }

  /** Stops polling, deletes the secret, marks the row deleted; its usage history stays. */
  async delete(orgId: string, id: string): Promise<void> {
    const row = await this.get(orgId, id);
    await this.deps.workflows.stop(id);
    if (row.secretRef) await this.deps.providerKeys.deleteProviderKey(row.secretRef);
    await this.repo.update({ id, orgId }, { status: 'deleted', deletedAt: this.now(), secretRef: null });
  }

  /** Asks the poller to poll now, at most once per 5 minutes per connection. */
  async requestSync(orgId: string, id: string, requestId?: string): Promise<{ requestedAt: Date }> {
    const row = await this.get(orgId, id);
    if (row.status !== 'active') {
      throw new AppError('CONFLICT', row.status === 'failed' ? `the connection has failed (${row.lastError?.message ?? 'see lastError'}); replace its key to resume` : `the connection is ${row.status}`);
    }
    const now = this.now();
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const [claimed]: [Array<{ id: string }>, number] = await this.deps.dataSource.query(
      `UPDATE provider_connections SET last_manual_sync_at = $3 WHERE id = $1 AND org_id = $2
         AND (last_manual_sync_at IS NULL OR last_manual_sync_at <= $3::timestamptz - interval '5 minutes') RETURNING id`,
      [id, orgId, now],
    );
    if (claimed.length === 0) {
      const fresh = await this.repo.findOneByOrFail({ id });
      const waitMs = (fresh.lastManualSyncAt?.getTime() ?? now.getTime()) + MANUAL_SYNC_INTERVAL_MS - now.getTime();
      const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
      throw new AppError('RATE_LIMITED', `a sync was requested less than 5 minutes ago; retry in ${retryAfter} s`, { headers: { 'Retry-After': retryAfter } });
    }
    await this.deps.workflows.syncNow(id, requestId);
    return { requestedAt: now };
  }

  async moveToProject(orgId: string, id: string, projectId: string): Promise<Connection> {
    await this.get(orgId, id);
    await this.resolveProject(orgId, projectId);
    await this.repo.update({ id, orgId }, { projectId });
    return toConnectionContract(await this.get(orgId, id));
  }

  /** Validates and stores a new key, then resumes a failed or paused poller (which polls at once). */
  async replaceKey(orgId: string, id: string, apiKey: string, requestId?: string): Promise<Connection> {
    const row = await this.get(orgId, id);
    const provider = row.provider as Provider;
    const fingerprint = keyFingerprint(apiKey);
    await this.refuseConnectedKey(orgId, provider, fingerprint, id);
    await this.validateKey(provider, apiKey);
    // put() overwrites an existing secret and creates a missing one (a connection that never had a stored key).
    const secretRef = await this.deps.providerKeys.putProviderKey({ orgId, connectionId: id, provider }, apiKey);
    this.deps.providerKeys.forgetCachedKey(secretRef);
    await this.repo.update({ id, orgId }, { keyHint: keyHint(apiKey), keyFingerprint: fingerprint, secretRef, workflowId: connectionWorkflowId(id) });
    await this.deps.workflows.resumeOrStart({ connectionId: id, orgId, provider, requestId });
    return toConnectionContract(await this.get(orgId, id));
  }

  /**
   * One live connection per key: a retried create (its response lost) or a second paste of the same key must
   * not start a second poller that counts the same usage twice.
   */
  private async refuseConnectedKey(orgId: string, provider: string, fingerprint: string, exceptId?: string): Promise<void> {
    const existing = await this.repo.createQueryBuilder('c')
      .where('c.org_id = :orgId AND c.provider = :provider AND c.key_fingerprint = :fingerprint', { orgId, provider, fingerprint })
      .andWhere(`c.status <> 'deleted'`).getOne();
    if (existing && existing.id !== exceptId) {
      throw new AppError('CONFLICT', `this key is already connected as "${existing.name}" (${existing.id})`, { field: 'body.apiKey', details: { connectionId: existing.id } });
    }
  }

  private async resolveProject(orgId: string, projectId: string | undefined): Promise<string> {
    const projects = this.deps.dataSource.getRepository(ProjectEntity);
    const project = projectId ? await projects.findOneBy({ id: projectId, orgId }) : await projects.findOneBy({ orgId, isDefault: true });
    if (!project) throw new AppError('NOT_FOUND', projectId ? 'project not found' : 'the organization has no default project', { field: 'body.projectId' });
    return project.id;
  }

  /** 422 when the provider refuses the key, 502 when it cannot be asked; the key never appears in either. */
  private async validateKey(provider: Provider, apiKey: string): Promise<void> {
    let verdict;
    try {
      verdict = await this.deps.connectors[provider].validateKey(apiKey);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (err.kind === 'needs_user_action') throw new AppError('PROVIDER_KEY_REJECTED', `${provider} refused the key: ${err.providerMessage}`, { field: 'body.apiKey' });
      throw new AppError('PROVIDER_UNREACHABLE', `could not reach ${provider} to validate the key (${err.providerMessage}); nothing was stored, try again shortly`);
    }
    if (!verdict.ok) throw new AppError('PROVIDER_KEY_REJECTED', `${provider} rejected the key: ${verdict.message}`, { field: 'body.apiKey', details: { reason: verdict.reason } });
  }
}
