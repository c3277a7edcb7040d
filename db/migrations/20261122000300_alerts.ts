import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alerts', (t) => {
    t.uuid('id').primary();
    t.text('type').notNullable();
    t.text('severity').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.text('customer_id');
    t.text('key').notNullable();
    // One alert per rule firing, whatever retries or redeliveries happen on the way.
    t.text('dedup_id').notNullable().unique();
    t.text('workflow_id');
    // clock_timestamp: alerts inserted together still get distinct, ordered creation times.
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.timestamp('acknowledged_at', { useTz: true });
    t.text('acknowledged_by');
    t.timestamp('resolved_at', { useTz: true });
    t.text('resolved_by');
    t.jsonb('recommended_action').notNullable();
    t.jsonb('evidence').notNullable();
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.integer('suppressed_count').notNullable().defaultTo(0);
    t.index(['status', 'created_at']);
    t.index(['customer_id', 'type']);
  });
  // The timeline of each alert, and the audit trail of who changed what.
  await knex.schema.createTable('alert_events', (t) => {
    t.bigIncrements('id');
    t.uuid('alert_id').notNullable().references('alerts.id').onDelete('CASCADE').index();
    t.text('action').notNullable();
    t.text('actor').notNullable();
    t.text('note');
    t.jsonb('data');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alert_events');
  await knex.schema.dropTable('alerts');
}
