import type { Knex } from 'knex';

// Erasures done (README "Erasure"): by pseudonym only, so a repeated DELETE answers as the first did
// without keeping the customer id.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('erasures', (t) => {
    t.text('pseudonym').primary();
    t.timestamp('erased_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('erased_by').notNullable();
    // Rows removed per table, workflows ended, data keys destroyed, what the CRM was asked.
    t.jsonb('summary').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('erasures');
}
