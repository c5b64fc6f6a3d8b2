#!/bin/sh
# One-shot job (temporalio/admin-tools): creates Temporal's two databases and brings their schemas up to the
# version this server release expects. Safe on every `docker compose up`: `create` ignores an existing
# database, `setup-schema -v 0.0` leaves a newer version alone, `update-schema` applies only missing steps.
# Connection settings come from the environment (SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD); the password
# stays off the command line.
set -eu

SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" "$@"
}

setup_database() {
  db=$1
  versioned_dir=$2
  echo "Temporal schema: database $db"
  sql_tool --db "$db" create
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$versioned_dir"
}

setup_database temporal "$SCHEMA_ROOT/temporal/versioned"
setup_database temporal_visibility "$SCHEMA_ROOT/visibility/versioned"
echo 'Temporal schema is up to date'
