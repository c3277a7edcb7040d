#!/bin/sh
# Creates Temporal's two databases on our Postgres server and brings their schemas up to the
# server image's version. Runs before every start of the stack: creating what exists already is
# refused and ignored; update-schema applies only what is missing and fails loudly on real errors.
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u "$POSTGRES_USER" "$@"; }
for db in temporal temporal_visibility; do
  tool --db "$db" create 2>/dev/null || echo "database $db exists"
done
if ! tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned 2>/dev/null; then
  tool --db temporal setup-schema -v 0.0
  tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
fi
if ! tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned 2>/dev/null; then
  tool --db temporal_visibility setup-schema -v 0.0
  tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
fi
echo "Temporal schemas are current"
