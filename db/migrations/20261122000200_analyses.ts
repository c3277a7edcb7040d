import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analyses', (t) => {
    t.text('signal_id').primary().references('signals.id').onDelete('CASCADE');
    t.text('customer_id').notNullable().index();
    t.text('language');
    t.double('sentiment').notNullable();
    t.text('label').notNullable();
    t.text('root_cause');
    t.boolean('legal_threat').notNullable();
    t.jsonb('risk').notNullable();
    t.double('score').notNullable();
    t.text('tier').notNullable();
    t.jsonb('contributions').notNullable();
    t.text('model_version').notNullable();
    t.text('source').notNullable();
    t.jsonb('upstream_fields').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analyses');
}
