import type { Knex } from 'knex';

// Per-customer data keys of the payload codec (privacy/data-keys.ts), wrapped by a master key.
// Erasure deletes a customer's rows: what Temporal holds for them can then never be decrypted.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_keys', (t) => {
    t.uuid('id').primary();
    // The customer id, its pseudonym (for ids that are personal data) or ~system.
    t.text('subject').notNullable().index();
    t.binary('wrapped').notNullable();
    t.text('master_key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set by rotation: no longer used to encrypt, still used to decrypt.
    t.timestamp('retired_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX data_keys_current ON data_keys (subject) WHERE retired_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('data_keys');
}
