import type { Knex } from 'knex';

// Messages from the API to running workflows (survey answered, alert status changed, message
// undeliverable) take the path signals take: written in the transaction of the change they
// announce, delivered after commit, retried by the sweep, recognised by the workflow when
// redelivered. Signals and messages both gain next_attempt_at: the sweep claims a page of due rows
// (FOR UPDATE SKIP LOCKED) by pushing it into the future (a lease), and a failed attempt backs off.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_messages', (t) => {
    t.bigIncrements('id');
    /** One row per message: the idempotency key, e.g. `alertStatusChanged/<alertId>/resolved`. */
    t.text('key').notNullable().unique();
    t.text('workflow_id').notNullable();
    t.text('signal_name').notNullable();
    t.jsonb('args').notNullable();
    /** pending → delivered, or abandoned when the workflow no longer exists. */
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    /** Successful deliveries: more than one only when a row was redelivered (harmless, but counted). */
    t.integer('delivered_count').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true });
  });
  await knex.raw(`CREATE INDEX workflow_messages_due_idx ON workflow_messages (next_attempt_at) WHERE status = 'pending'`);
  await knex.schema.alterTable('signals', (t) => {
    t.timestamp('next_attempt_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signals', (t) => {
    t.dropColumn('next_attempt_at');
  });
  await knex.schema.dropTable('workflow_messages');
}
