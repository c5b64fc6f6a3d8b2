#!/bin/sh
# Runs once, when the postgres image initialises an empty data directory (mounted at
# /docker-entrypoint-initdb.d): creates the application's own role and database. The bootstrap superuser
# (POSTGRES_USER, `temporal`) stays Temporal's; the API, the worker and the migration job connect as `carbonplan`,
# which owns the `carbonplan` database, so the tables its migrations create are its own and it needs no superuser
# rights. The password comes from the environment and reaches psql as a variable, never as part of the SQL text.
set -eu

: "${CARBONPLAN_DB_PASSWORD:?set CARBONPLAN_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --set app_password="$CARBONPLAN_DB_PASSWORD" <<'SQL'
CREATE ROLE carbonplan WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE carbonplan OWNER carbonplan;
-- Only the owner (and the superuser) may connect to the app database.
REVOKE ALL ON DATABASE carbonplan FROM PUBLIC;
SQL
echo 'carbonplan role and database created'
