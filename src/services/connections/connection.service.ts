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
import { connectionWorkflowId, isTemporalUnavailable, pollerStartOf, type ConnectionWorkflows } from './connection-workflows';

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
    providerAccount: row.providerAccountId ? { id: row.providerAccountId, name: row.providerAccountName } : null,
  };
}

const keyHint = (key: string) => key.slice(-4);
const keyFingerprint = (key: string) => createHash('sha256').update(key).digest('hex');
const ONE_LIVE_INDEXES = new Set(['provider_connections_one_per_key', 'provider_connections_one_per_account']);
const isOneLiveViolation = (err: unknown) =>
  err instanceof QueryFailedError && ONE_LIVE_INDEXES.has((err.driverError as { constraint?: string }).constraint ?? '');

/** The provider account a key belongs to, where the provider tells us (see KeyValidation). */
interface ProviderAccount { accountId: string | null; accountName: string | null }
const accountColumns = (account: ProviderAccount) =>
  account.accountId ? { providerAccountId: account.accountId, providerAccountName: account.accountName } : {};

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

  /**
   * Connects a key. A key, or an account, that this organization connected before and deleted is restored
   * (same id, history and cursor) rather than connected anew: a new id would backfill and count the same
   * usage a second time.
   */
  async create(orgId: string, input: CreateConnectionRequest, requestId?: string): Promise<Connection> {
    const requestedProjectId = input.projectId ? await this.resolveProject(orgId, input.projectId) : undefined;
    const fingerprint = keyFingerprint(input.apiKey);
    await this.refuseConnectedKey(orgId, input.provider, fingerprint);
    const account = await this.validateKey(input.provider, input.apiKey);
    await this.refuseConnectedAccount(orgId, input.provider, account);

    const deleted = await this.findDeletedTwin(orgId, input.provider, fingerprint, account.accountId);
    if (deleted) return this.restore(deleted, { ...input, projectId: requestedProjectId }, fingerprint, account, requestId);

    const projectId = requestedProjectId ?? await this.resolveProject(orgId, undefined);
    const id = randomUUID();
    const secretRef = await this.deps.providerKeys.putProviderKey({ orgId, connectionId: id, provider: input.provider }, input.apiKey);
    try {
      await this.repo.insert({
        id, orgId, projectId, provider: input.provider, name: input.name ?? `${input.provider} ${keyHint(input.apiKey)}`,
        secretRef, keyHint: keyHint(input.apiKey), keyFingerprint: fingerprint, ...accountColumns(account), status: 'active', workflowId: connectionWorkflowId(id),
      });
      await this.deps.workflows.start({ connectionId: id, orgId, provider: input.provider, requestId });
    } catch (err) {
      // Nothing half-created survives: no row without a poller, no secret without a row.
      await this.repo.delete({ id }).catch(() => undefined);
      await this.deps.providerKeys.deleteProviderKey(secretRef).catch(() => undefined);
      await this.refuseTwinThatWon(err, orgId, input.provider, fingerprint, account);
      this.deps.logger.error({ err, connectionId: id }, 'connection creation failed');
      throw new AppError('SERVICE_UNAVAILABLE', 'the connection could not be created right now; nothing was stored, retry in a moment');
    }
    return toConnectionContract(await this.repo.findOneByOrFail({ id }));
  }

  /** Brings a deleted connection back with a new key: its history and cursor carry on, no backfill is repeated. */
  private async restore(
    row: ProviderConnectionEntity, input: CreateConnectionRequest, fingerprint: string, account: ProviderAccount, requestId?: string,
  ): Promise<Connection> {
    const { id, orgId } = row;
    const provider = row.provider as Provider;
    const secretRef = await this.deps.providerKeys.putProviderKey({ orgId, connectionId: id, provider }, input.apiKey);
    this.deps.providerKeys.forgetCachedKey(secretRef);
    let claimed: boolean;
    try {
      // Claimed only while still deleted: of two simultaneous restores, one wins and the other answers 409.
      const result = await this.repo.createQueryBuilder().update(ProviderConnectionEntity)
        .set({
          status: 'active', deletedAt: null, secretRef, keyHint: keyHint(input.apiKey), keyFingerprint: fingerprint, ...accountColumns(account),
          consecutiveFailures: 0, lastError: null, workflowId: connectionWorkflowId(id),
          ...(input.name ? { name: input.name } : {}), ...(input.projectId ? { projectId: input.projectId } : {}),
        })
        .where(`id = :id AND status = 'deleted'`, { id }).execute();
      claimed = result.affected === 1;
    } catch (err) {
      await this.refuseTwinThatWon(err, orgId, provider, fingerprint, account);
      throw err;
    }
    // The twin that won owns the secret now (same name): leave it alone.
    if (!claimed) await this.refuseTwinThatWon(null, orgId, provider, fingerprint, account);
    try {
      await this.deps.workflows.start({ connectionId: id, orgId, provider, requestId });
    } catch (err) {
      await this.repo.update({ id }, { status: 'deleted', deletedAt: this.now(), secretRef: null }).catch(() => undefined);
      await this.deps.providerKeys.deleteProviderKey(secretRef).catch(() => undefined);
      this.deps.logger.error({ err, connectionId: id }, 'restoring a deleted connection failed');
      throw new AppError('SERVICE_UNAVAILABLE', 'the connection could not be restored right now; nothing was changed, retry in a moment');
    }
    this.deps.logger.info({ connectionId: id, orgId }, 'deleted connection restored with a new key');
    return toConnectionContract(await this.repo.findOneByOrFail({ id }));
  }

  /** Stops polling, deletes the secret, marks the row deleted; its usage history stays. */
  async delete(orgId: string, id: string): Promise<void> {
    const row = await this.get(orgId, id);
    // The row is marked first: a sync, move or repair pass racing this delete then sees it deleted and starts no
    // poller, and a poller this process fails to stop ends itself at its next poll (ConnectionGone).
    await this.repo.update({ id, orgId }, { status: 'deleted', deletedAt: this.now() });
    await this.deps.workflows.stop(id);
    if (row.secretRef) await this.deps.providerKeys.deleteProviderKey(row.secretRef);
    await this.repo.update({ id, orgId }, { secretRef: null });
  }

  /** Asks the poller to poll now (starting it when none runs), at most once per 5 minutes per connection. */
  async requestSync(orgId: string, id: string, requestId?: string): Promise<{ requestedAt: Date }> {
    const row = await this.get(orgId, id);
    if (row.status !== 'active') {
      throw new AppError('CONFLICT', row.status === 'failed' ? `the connection has failed (${row.lastError?.message ?? 'see lastError'}); replace its key to resume` : `the connection is ${row.status}`);
    }
    if (!row.secretRef) throw new AppError('CONFLICT', 'the connection has no provider key to poll with; add one with PUT /api/v1/connections/{id}/key');
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
    try {
      // Starts the poller from the row's state when none runs (its start was lost, or it was terminated).
      await this.deps.workflows.syncNowOrStart(pollerStartOf(row, requestId));
    } catch (err) {
      // Nothing was asked: give the slot back so the retry we ask for is not refused. NULL limits exactly as
      // the previous value did, which a successful claim proves was absent or at least 5 minutes old.
      await this.deps.dataSource.query(`UPDATE provider_connections SET last_manual_sync_at = NULL WHERE id = $1 AND last_manual_sync_at = $2`, [id, now])
        .catch((undo: unknown) => this.deps.logger.error({ err: undo, connectionId: id }, 'could not give back the manual sync slot'));
      if (!isTemporalUnavailable(err)) throw err;
      this.deps.logger.warn({ err, connectionId: id, requestId }, 'sync could not reach Temporal');
      throw new AppError('SERVICE_UNAVAILABLE', 'the sync could not be requested right now because the polling service is unreachable; nothing was changed, retry in a minute');
    }
    return { requestedAt: now };
  }

  async moveToProject(orgId: string, id: string, projectId: string): Promise<Connection> {
    await this.get(orgId, id);
    await this.resolveProject(orgId, projectId);
    await this.repo.update({ id, orgId }, { projectId });
    const moved = await this.get(orgId, id);
    // A connection without a key (a demo one) gets its poller with its key.
    if (moved.secretRef) {
      try {
        // Starts a missing poller from the row's state (a failed one stays failed); a running one is left alone.
        await this.deps.workflows.start(pollerStartOf(moved));
      } catch (err) {
        // The move itself is done; the hourly repair pass starts the poller once Temporal answers again.
        if (!isTemporalUnavailable(err)) throw err;
        this.deps.logger.warn({ err, connectionId: id }, 'moved the connection but could not check its poller');
      }
    }
    return toConnectionContract(moved);
  }

  /** Validates and stores a new key, then resumes a failed or paused poller (which polls at once). */
  async replaceKey(orgId: string, id: string, apiKey: string, requestId?: string): Promise<Connection> {
    const row = await this.get(orgId, id);
    const provider = row.provider as Provider;
    const fingerprint = keyFingerprint(apiKey);
    await this.refuseConnectedKey(orgId, provider, fingerprint, id);
    const account = await this.validateKey(provider, apiKey);
    if (row.providerAccountId && account.accountId && row.providerAccountId !== account.accountId) {
      // A key of another account would splice a second account's usage into this connection's history.
      throw new AppError('CONFLICT', `this key belongs to another ${provider} account (${account.accountName ?? account.accountId}) than this connection (${row.providerAccountName ?? row.providerAccountId}); connect it as a new connection instead`, { field: 'body.apiKey' });
    }
    await this.refuseConnectedAccount(orgId, provider, account, id);
    // put() overwrites an existing secret and creates a missing one (a connection that never had a stored key).
    const secretRef = await this.deps.providerKeys.putProviderKey({ orgId, connectionId: id, provider }, apiKey);
    this.deps.providerKeys.forgetCachedKey(secretRef);
    try {
      await this.repo.update({ id, orgId }, { keyHint: keyHint(apiKey), keyFingerprint: fingerprint, ...accountColumns(account), secretRef, workflowId: connectionWorkflowId(id) });
    } catch (err) {
      await this.refuseTwinThatWon(err, orgId, provider, fingerprint, account, id);
      throw err;
    }
    await this.deps.workflows.resumeOrStart({ connectionId: id, orgId, provider, requestId });
    return toConnectionContract(await this.get(orgId, id));
  }

  /**
   * One live connection per key: a retried create (its response lost) or a second paste of the same key must
   * not start a second poller that counts the same usage twice.
   */
  private async refuseConnectedKey(orgId: string, provider: string, fingerprint: string, exceptId?: string): Promise<void> {
    const existing = await this.liveConnection(orgId, provider, 'c.key_fingerprint = :fingerprint', { fingerprint });
    if (existing && existing.id !== exceptId) {
      throw new AppError('CONFLICT', `this key is already connected as "${existing.name}" (${existing.id})`, { field: 'body.apiKey', details: { connectionId: existing.id } });
    }
  }

  /** One live connection per provider account: two admin keys of one account would each count its usage. */
  private async refuseConnectedAccount(orgId: string, provider: string, account: ProviderAccount, exceptId?: string): Promise<void> {
    if (!account.accountId) return;
    const existing = await this.liveConnection(orgId, provider, 'c.provider_account_id = :accountId', { accountId: account.accountId });
    if (existing && existing.id !== exceptId) {
      throw new AppError('CONFLICT', `this key belongs to the ${provider} account ${account.accountName ?? account.accountId}, already connected as "${existing.name}" (${existing.id})`, { field: 'body.apiKey', details: { connectionId: existing.id } });
    }
  }

  /** After a unique-index violation (or a lost claim): answers the 409 that the twin request's row now earns. */
  private async refuseTwinThatWon(err: unknown, orgId: string, provider: string, fingerprint: string, account: ProviderAccount, exceptId?: string): Promise<void> {
    if (err !== null && !isOneLiveViolation(err)) return;
    await this.refuseConnectedKey(orgId, provider, fingerprint, exceptId);
    await this.refuseConnectedAccount(orgId, provider, account, exceptId);
    if (err === null) throw new AppError('CONFLICT', 'this connection was restored by another request a moment ago; list your connections');
  }

  private liveConnection(orgId: string, provider: string, match: string, params: Record<string, string>): Promise<ProviderConnectionEntity | null> {
    return this.repo.createQueryBuilder('c')
      .where('c.org_id = :orgId AND c.provider = :provider', { orgId, provider }).andWhere(match, params)
      .andWhere(`c.status <> 'deleted'`).getOne();
  }

  /** The deleted connection a create should restore: same key, or same provider account; the latest deleted. */
  private findDeletedTwin(orgId: string, provider: string, fingerprint: string, accountId: string | null): Promise<ProviderConnectionEntity | null> {
    return this.repo.createQueryBuilder('c')
      .where(`c.org_id = :orgId AND c.provider = :provider AND c.status = 'deleted'`, { orgId, provider })
      .andWhere(accountId ? '(c.key_fingerprint = :fingerprint OR c.provider_account_id = :accountId)' : 'c.key_fingerprint = :fingerprint', { fingerprint, accountId })
      .orderBy('c.deleted_at', 'DESC', 'NULLS LAST').getOne();
  }

  private async resolveProject(orgId: string, projectId: string | undefined): Promise<string> {
    const projects = this.deps.dataSource.getRepository(ProjectEntity);
    const project = projectId ? await projects.findOneBy({ id: projectId, orgId }) : await projects.findOneBy({ orgId, isDefault: true });
    if (!project) throw new AppError('NOT_FOUND', projectId ? 'project not found' : 'the organization has no default project', { field: 'body.projectId' });
    return project.id;
  }

  /** 422 when the provider refuses the key, 502 when it cannot be asked; the key never appears in either. */
  private async validateKey(provider: Provider, apiKey: string): Promise<ProviderAccount> {
    let verdict;
    try {
      verdict = await this.deps.connectors[provider].validateKey(apiKey);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (err.kind === 'needs_user_action') throw new AppError('PROVIDER_KEY_REJECTED', `${provider} refused the key: ${err.providerMessage}`, { field: 'body.apiKey' });
      throw new AppError('PROVIDER_UNREACHABLE', `could not reach ${provider} to validate the key (${err.providerMessage}); nothing was stored, try again shortly`);
    }
    if (!verdict.ok) throw new AppError('PROVIDER_KEY_REJECTED', `${provider} rejected the key: ${verdict.message}`, { field: 'body.apiKey', details: { reason: verdict.reason } });
    return { accountId: verdict.accountId, accountName: verdict.accountName };
  }
}
