import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credit inventory and allocation ledger (ARCHITECTURE §7, reference/credits.md §7).
 *
 * `credit_batches`: serial blocks already retired on their registry for our customers' pool (retire first, allocate
 * after), so every allocation points at a registry retirement. `series` is the serial with its unit numbers taken
 * out: the numbering space the units live in (it embeds the project id; Gold Standard and Puro restart numbering
 * per issuance, so registry + project alone would see false overlaps). Non-overlap within a series is checked by the
 * loader under an advisory lock (an exclusion constraint would need btree_gist, an extension the app role may not
 * be allowed to install); (registry, series, unit_start) is unique here as a backstop.
 *
 * `credit_allocations`: append-only ledger, one line per (receipt, batch): grams [gram_from, gram_to) within the
 * batch and the units (credits) they touch. The insert trigger is the no-gram-twice invariant: a line must start at
 * the batch's allocated_g high-water mark and moves it to gram_to (within capacity), under the batch's row lock;
 * allocated_g never decreases, so a batch's lines form one chain of disjoint ranges whatever the caller does.
 *
 * `receipt_key` is text without a foreign key to carbon_receipts: the issuing step allocates before the receipt row
 * exists (the payload carries the credits, and the row needs the payload's signature), possibly in an earlier
 * transaction than the one that stores it. It is the issuer's stable key for the receipt (its serial, or e.g.
 * `period:{billingPeriodId}`), unique in `credit_allocation_requests`, which makes allocation idempotent.
 *
 * `credit_shortfalls`: grams requested that the inventory could not cover; never called retired.
 *
 * `credit_retirements` (initial schema) is left as it is: it needs an existing receipt (receipt_id NOT NULL) and has
 * no batch or grams, so it cannot be the ledger. The retirement record is the batch's (retired_on,
 * retirement_reference); the ledger says which receipt draws on which serial.
 */
export class CreditInventory1764000000021 implements MigrationInterface {
  name = 'CreditInventory1764000000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_batches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        registry text NOT NULL CHECK (registry IN ('verra', 'gold-standard', 'puro')),
        project text NOT NULL CHECK (project <> ''),
        vintage int NOT NULL CHECK (vintage BETWEEN 1990 AND 2100),
        serial_start text NOT NULL,
        serial_end text NOT NULL,
        series text NOT NULL,
        unit_start bigint NOT NULL,
        unit_end bigint NOT NULL,
        unit_g bigint NOT NULL,
        capacity_g bigint NOT NULL,
        tonnes numeric NOT NULL CHECK (tonnes > 0),
        allocated_g bigint NOT NULL DEFAULT 0,
        retired_on date NOT NULL,
        retirement_reference text NOT NULL CHECK (retirement_reference <> ''),
        source_sha256 text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
        source_line int NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_batches_units CHECK (unit_start >= 0 AND unit_end >= unit_start AND unit_g > 0),
        CONSTRAINT credit_batches_capacity CHECK (capacity_g = (unit_end - unit_start + 1) * unit_g AND capacity_g = tonnes * 1000000),
        CONSTRAINT credit_batches_allocated CHECK (allocated_g BETWEEN 0 AND capacity_g),
        CONSTRAINT credit_batches_series_unit_key UNIQUE (registry, series, unit_start)
      );
      CREATE INDEX credit_batches_available_idx ON credit_batches (vintage, registry, project, unit_start) WHERE allocated_g < capacity_g;
      CREATE INDEX credit_batches_source_idx ON credit_batches (source_sha256);

      -- A loaded batch is a registry fact: only its allocation high-water mark moves, and only upward.
      CREATE FUNCTION credit_batches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (to_jsonb(NEW) - 'allocated_g') <> (to_jsonb(OLD) - 'allocated_g') THEN
          RAISE EXCEPTION 'credit_batches: only allocated_g may change';
        END IF;
        IF NEW.allocated_g < OLD.allocated_g THEN
          RAISE EXCEPTION 'credit_batches: allocated grams are never released (batch %)', OLD.id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER credit_batches_guard BEFORE UPDATE ON credit_batches FOR EACH ROW EXECUTE FUNCTION credit_batches_guard();

      CREATE TABLE credit_allocation_requests (
        receipt_key text PRIMARY KEY CHECK (receipt_key <> '' AND length(receipt_key) <= 200),
        requested_g bigint NOT NULL CHECK (requested_g >= 0),
        allocated_g bigint NOT NULL CHECK (allocated_g >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_allocation_requests_within CHECK (allocated_g <= requested_g)
      );

      CREATE TABLE credit_allocations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        receipt_key text NOT NULL REFERENCES credit_allocation_requests(receipt_key) ON DELETE RESTRICT,
        line int NOT NULL CHECK (line >= 1),
        batch_id uuid NOT NULL REFERENCES credit_batches(id) ON DELETE RESTRICT,
        gram_from bigint NOT NULL CHECK (gram_from >= 0),
        gram_to bigint NOT NULL,
        grams bigint NOT NULL,
        unit_first bigint NOT NULL,
        unit_last bigint NOT NULL,
        serial_first text NOT NULL,
        serial_last text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_allocations_range CHECK (gram_to > gram_from AND grams = gram_to - gram_from AND unit_last >= unit_first),
        CONSTRAINT credit_allocations_receipt_line_key UNIQUE (receipt_key, line),
        CONSTRAINT credit_allocations_batch_from_key UNIQUE (batch_id, gram_from)
      );
      CREATE INDEX credit_allocations_units_idx ON credit_allocations (batch_id, unit_first, unit_last);

      CREATE FUNCTION credit_allocations_advance_batch() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        b credit_batches%ROWTYPE;
      BEGIN
        UPDATE credit_batches SET allocated_g = NEW.gram_to
         WHERE id = NEW.batch_id AND allocated_g = NEW.gram_from AND NEW.gram_to <= capacity_g
        RETURNING * INTO b;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'credit_allocations: grams [%, %) of batch % are not the next free grams', NEW.gram_from, NEW.gram_to, NEW.batch_id;
        END IF;
        IF NEW.unit_first <> b.unit_start + NEW.gram_from / b.unit_g OR NEW.unit_last <> b.unit_start + (NEW.gram_to - 1) / b.unit_g THEN
          RAISE EXCEPTION 'credit_allocations: units % to % do not hold grams [%, %) of batch %', NEW.unit_first, NEW.unit_last, NEW.gram_from, NEW.gram_to, NEW.batch_id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER credit_allocations_advance_batch BEFORE INSERT ON credit_allocations
        FOR EACH ROW EXECUTE FUNCTION credit_allocations_advance_batch();

      CREATE TABLE credit_shortfalls (
        receipt_key text PRIMARY KEY REFERENCES credit_allocation_requests(receipt_key) ON DELETE RESTRICT,
        grams bigint NOT NULL CHECK (grams > 0),
        recorded_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TRIGGER credit_allocation_requests_immutable BEFORE UPDATE OR DELETE ON credit_allocation_requests
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER credit_allocations_immutable BEFORE UPDATE OR DELETE ON credit_allocations
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER credit_shortfalls_immutable BEFORE UPDATE OR DELETE ON credit_shortfalls
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE credit_shortfalls, credit_allocations, credit_allocation_requests, credit_batches;
      DROP FUNCTION credit_allocations_advance_batch();
      DROP FUNCTION credit_batches_guard();
    `);
  }
}
