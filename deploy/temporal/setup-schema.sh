#!/bin/sh
# Creates Temporal's two databases on PostgreSQL and brings their schemas up to the server's
# version; safe to run again (create is skipped when the database exists, updates are versioned).
set -eu
tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" "$@"
}
for db in temporal temporal_visibility; do
  tool --db "$db" create || echo "database $db already exists"
done
tool --db temporal setup-schema -v 0.0 || true
tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
tool --db temporal_visibility setup-schema -v 0.0 || true
tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "Temporal schema ready"
