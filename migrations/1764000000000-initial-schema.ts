import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table of ARCHITECTURE §4 with its keys, unique constraints and the indexes the API reads by. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clerk_org_id text NOT NULL UNIQUE,
        name text NOT NULL,
        plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'enterprise')),
        stripe_customer_id text UNIQUE,
        stripe_subscription_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        name text NOT NULL,
        created_by text,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at);

      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        slug text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT projects_org_slug_key UNIQUE (org_id, slug)
      );
      CREATE UNIQUE INDEX projects_one_default_per_org ON projects (org_id) WHERE is_default;

      CREATE TABLE provider_connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
        provider text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'openrouter')),
        name text NOT NULL,
        secret_ref text,
        key_hint text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'failed', 'deleted')),
        consecutive_failures int NOT NULL DEFAULT 0,
        last_error jsonb,
        cursor timestamptz,
        last_polled_at timestamptz,
        last_success_at timestamptz,
        last_manual_sync_at timestamptz,
        workflow_id text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX provider_connections_org_idx ON provider_connections (org_id, created_at, id);
      CREATE INDEX provider_connections_project_idx ON provider_connections (project_id) WHERE status <> 'deleted';

      CREATE TABLE carbon_factor_sets (
        version text PRIMARY KEY,
        published_at timestamptz NOT NULL DEFAULT now(),
        document jsonb NOT NULL
      );

      CREATE TABLE usage_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES provider_connections(id) ON DELETE CASCADE,
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
        provider text NOT NULL,
        model text NOT NULL,
        bucket_start timestamptz NOT NULL,
        bucket_end timestamptz NOT NULL,
        grouping text NOT NULL DEFAULT '',
        input_uncached bigint NOT NULL DEFAULT 0 CHECK (input_uncached >= 0),
        input_cache_write bigint NOT NULL DEFAULT 0 CHECK (input_cache_write >= 0),
        input_cache_read bigint NOT NULL DEFAULT 0 CHECK (input_cache_read >= 0),
        output_tokens bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
        reasoning_tokens bigint NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
        requests bigint,
        idempotency_key bytea NOT NULL UNIQUE,
        revision int NOT NULL DEFAULT 1,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Emissions under the factor version the row was (re)ingested with, written in the same statement as
        -- the row: the hot path writes one table, not two. Other versions go to event_emissions.
        factor_version text NOT NULL REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT,
        tier text NOT NULL,
        matched_rule text NOT NULL,
        energy_wh_central numeric NOT NULL,
        energy_wh_low numeric NOT NULL,
        energy_wh_high numeric NOT NULL,
        co2e_g_central numeric NOT NULL,
        co2e_g_low numeric NOT NULL,
        co2e_g_high numeric NOT NULL,
        CHECK (bucket_end > bucket_start)
      );
      -- Serves the events list, export and per-connection filters (org first: every query is tenant-scoped).
      CREATE INDEX usage_events_org_time_idx ON usage_events (org_id, bucket_start, id);

      -- Emissions of an event under other factor versions, recomputed side by side; never edited for issued receipts.
      CREATE TABLE event_emissions (
        event_id bigint NOT NULL REFERENCES usage_events(id) ON DELETE CASCADE,
        factor_version text NOT NULL REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT,
        tier text NOT NULL,
        matched_rule text NOT NULL,
        energy_wh_central numeric NOT NULL,
        energy_wh_low numeric NOT NULL,
        energy_wh_high numeric NOT NULL,
        co2e_g_central numeric NOT NULL,
        co2e_g_low numeric NOT NULL,
        co2e_g_high numeric NOT NULL,
        PRIMARY KEY (event_id, factor_version)
      );

      CREATE TABLE usage_rollups (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
        connection_id uuid NOT NULL REFERENCES provider_connections(id) ON DELETE CASCADE,
        provider text NOT NULL,
        model text NOT NULL,
        day date NOT NULL,
        factor_version text NOT NULL REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT,
        requests bigint NOT NULL DEFAULT 0,
        input_uncached bigint NOT NULL DEFAULT 0,
        input_cache_write bigint NOT NULL DEFAULT 0,
        input_cache_read bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        reasoning_tokens bigint NOT NULL DEFAULT 0,
        event_count int NOT NULL DEFAULT 0,
        energy_wh_central numeric NOT NULL,
        energy_wh_low numeric NOT NULL,
        energy_wh_high numeric NOT NULL,
        co2e_g_central numeric NOT NULL,
        co2e_g_low numeric NOT NULL,
        co2e_g_high numeric NOT NULL,
        CONSTRAINT usage_rollups_key UNIQUE (org_id, project_id, connection_id, model, day, factor_version)
      );
      CREATE INDEX usage_rollups_org_day_idx ON usage_rollups (org_id, day);

      CREATE TABLE billing_periods (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closing', 'closed', 'failed')),
        stripe_invoice_id text,
        workflow_id text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_periods_org_start_key UNIQUE (org_id, period_start),
        CHECK (period_end > period_start)
      );

      CREATE TABLE signing_keys (
        key_id text PRIMARY KEY,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        revoked_at timestamptz,
        secret_ref text NOT NULL
      );

      CREATE TABLE carbon_receipts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        serial text NOT NULL UNIQUE CHECK (serial ~ '^CL-[0-9]{6}-[0-9A-HJKMNP-TV-Z]{5}$'),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        billing_period_id uuid NOT NULL REFERENCES billing_periods(id) ON DELETE RESTRICT,
        kind text NOT NULL CHECK (kind IN ('period', 'adjustment')),
        adjusts_receipt_id uuid REFERENCES carbon_receipts(id) ON DELETE RESTRICT,
        payload text NOT NULL,
        payload_sha256 text NOT NULL,
        signature text NOT NULL,
        key_id text NOT NULL REFERENCES signing_keys(key_id) ON DELETE RESTRICT,
        pdf_object_key text,
        issued_at timestamptz NOT NULL
      );
      CREATE INDEX carbon_receipts_org_idx ON carbon_receipts (org_id, issued_at);
      CREATE UNIQUE INDEX carbon_receipts_one_period_receipt ON carbon_receipts (billing_period_id) WHERE kind = 'period';

      CREATE TABLE credit_retirements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        receipt_id uuid NOT NULL REFERENCES carbon_receipts(id) ON DELETE RESTRICT,
        registry text NOT NULL,
        project text NOT NULL,
        vintage int NOT NULL,
        serial_range text NOT NULL,
        tonnes numeric NOT NULL CHECK (tonnes > 0)
      );
      CREATE INDEX credit_retirements_receipt_idx ON credit_retirements (receipt_id);

      CREATE TABLE audit_packs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        month date NOT NULL,
        object_key text NOT NULL,
        manifest_sha256 text NOT NULL,
        bytes bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_packs_org_month_key UNIQUE (org_id, month)
      );

      CREATE TABLE stripe_events (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      );

      -- Published factor sets and issued receipts never change: history and signatures depend on them.
      CREATE FUNCTION carbonplan_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
      END $$;
      CREATE TRIGGER carbon_factor_sets_immutable BEFORE UPDATE OR DELETE ON carbon_factor_sets
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE stripe_events, audit_packs, credit_retirements, carbon_receipts, signing_keys, billing_periods,
        usage_rollups, event_emissions, carbon_factor_sets, usage_events, provider_connections, projects, api_keys,
        organizations;
      DROP FUNCTION carbonplan_refuse_change();
    `);
  }
}
