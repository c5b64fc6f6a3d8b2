import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  /** Shows in pg_stat_activity; tests use it to find (and terminate) this pool's connections. */
  applicationName?: string;
  /** How long to wait for a pool connection (a new one's TCP and start-up included); default 5 s. */
  connectTimeoutMs?: number;
  /** Server-side cap on one statement; 0 disables it (migrations, bulk loads). Default 30 s. */
  statementTimeoutMs?: number;
  /** Server-side cap on a transaction left idle; 0 disables it. Default 60 s. */
  idleInTransactionTimeoutMs?: number;
}

export const DEFAULT_DB_TIMEOUTS = { connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 } as const;

/** The one TypeORM data source factory. Schema changes go through migrations only: synchronize stays off. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension is installed behind the migrations' back.
    installExtensions: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'carbonplan',
      // pg-pool's wait for a connection (new or pooled): a Postgres that accepts TCP and never answers fails
      // this request instead of hanging it, and the error middleware answers 503.
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_DB_TIMEOUTS.connectTimeoutMs,
      // Start-up parameters: Postgres itself cancels the statement or ends the session (0 = no limit).
      statement_timeout: options.statementTimeoutMs ?? DEFAULT_DB_TIMEOUTS.statementTimeoutMs,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? DEFAULT_DB_TIMEOUTS.idleInTransactionTimeoutMs,
    },
  });
}
