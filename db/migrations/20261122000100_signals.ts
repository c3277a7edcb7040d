import type { Knex } from 'knex';

// Signals are written before the API answers 202; delivery_status tracks the hand-off to Temporal.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signals', (t) => {
    t.text('id').primary();
    t.text('customer_id').notNullable();
    t.text('type').notNullable();
    t.text('channel');
    t.text('text');
    t.text('language');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('location');
    t.text('root_cause');
    t.jsonb('upstream_analysis');
    t.jsonb('metadata');
    t.text('payload_hash').notNullable();
    t.text('workflow_id').notNullable();
    t.text('delivery_status').notNullable().defaultTo('pending');
    t.integer('delivery_attempts').notNullable().defaultTo(0);
    t.timestamp('delivered_at', { useTz: true });
    t.text('last_delivery_error');
    t.index(['customer_id', 'occurred_at']);
  });
  // The relay only ever looks for undelivered signals: keep that lookup small.
  await knex.raw(`CREATE INDEX signals_pending_idx ON signals (received_at) WHERE delivery_status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signals');
}
