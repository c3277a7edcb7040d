import type { Knex } from 'knex';

// API keys with roles (README "Access"). Only a SHA-256 of each key is kept: the key itself is
// shown once, at creation. Keys are random 256-bit strings, so a fast hash is enough (no password
// stretching needed) and lets every request be checked with one indexed lookup.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('key_hash').notNullable().unique();
    t.text('key_prefix').notNullable();
    // null: every customer; otherwise the only customer ids this key may touch.
    t.jsonb('customer_ids');
    // May send upstream scores (`analysis`) in signals.
    t.boolean('upstream_analysis').notNullable().defaultTo(false);
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('ingest', 'operator', 'admin'))`);
  // rate-limiter-flexible's table (its own CREATE TABLE statement, made here so the API never runs DDL).
  await knex.raw(`CREATE TABLE IF NOT EXISTS rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
  await knex.schema.dropTable('api_keys');
}
