import type { Knex } from 'knex';

// Sessions of the ops console (README "Ops console"): an operator signs in with an API key once and
// the browser holds a random session token in an HttpOnly cookie. Only a SHA-256 of that token is
// kept (like the keys), with the key it stands for and when it expires; revoking the key ends its
// sessions (the lookup joins the active keys), deleting the key deletes them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.text('token_hash').primary();
    t.uuid('key_id').notNullable().references('api_keys.id').onDelete('CASCADE').index();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('console_sessions');
}
