import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public log (RFC 9162 Merkle tree, reference/transparency-log.md). `log_entries` holds the leaves: index from 0
 * without gaps (an insert must take the next index), the receipt serial (unique: appending twice is a no-op), the
 * 32-byte payload digest and its leaf hash. `log_nodes` caches every complete subtree above the leaves
 * (level ≥ 1, `idx` counted at that level), so any root or proof costs O(log n) indexed reads. `log_checkpoints`
 * keeps each signed checkpoint by size. All three are append-only: UPDATE, DELETE and TRUNCATE are refused, since
 * a rewritten leaf would break every checkpoint already handed out (restoring from a backup is the only way back).
 */
export class TransparencyLog1764000000020 implements MigrationInterface {
  name = 'TransparencyLog1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE log_entries (
        idx bigint PRIMARY KEY CHECK (idx >= 0),
        serial text NOT NULL CONSTRAINT log_entries_serial_key UNIQUE CHECK (serial ~ '^CL-[0-9]{6}-[0-9A-HJKMNP-TV-Z]{5}$'),
        payload_sha256 bytea NOT NULL CHECK (octet_length(payload_sha256) = 32),
        leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
        appended_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE log_nodes (
        level smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
        idx bigint NOT NULL CHECK (idx >= 0),
        hash bytea NOT NULL CHECK (octet_length(hash) = 32),
        PRIMARY KEY (level, idx)
      );
      CREATE TABLE log_checkpoints (
        tree_size bigint PRIMARY KEY CHECK (tree_size > 0),
        root bytea NOT NULL CHECK (octet_length(root) = 32),
        note text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE FUNCTION log_entries_next_index() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.idx <> COALESCE((SELECT max(idx) + 1 FROM log_entries), 0) THEN
          RAISE EXCEPTION 'log_entries: index % is not the next index', NEW.idx;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER log_entries_next_index BEFORE INSERT ON log_entries FOR EACH ROW EXECUTE FUNCTION log_entries_next_index();

      CREATE TRIGGER log_entries_immutable BEFORE UPDATE OR DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries FOR EACH STATEMENT EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER log_nodes_immutable BEFORE UPDATE OR DELETE ON log_nodes FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER log_nodes_no_truncate BEFORE TRUNCATE ON log_nodes FOR EACH STATEMENT EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER log_checkpoints_immutable BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION carbonplan_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE log_checkpoints, log_nodes, log_entries;
      DROP FUNCTION log_entries_next_index();
    `);
  }
}
