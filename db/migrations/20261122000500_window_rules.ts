import type { Knex } from 'knex';

// The window rules aggregate in the database instead of receiving one Temporal signal per
// feedback: analysed signals are claimed in batches (signals.windowed = false), folded into
// five-minute buckets of event time, located ones kept as points for the geo rule, and the
// windows they touched queued in window_pending until the watermark says they are complete.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signals', (t) => {
    t.boolean('windowed').notNullable().defaultTo(false);
    t.index(['occurred_at']);
  });
  await knex.raw(`CREATE INDEX signals_unwindowed_idx ON signals (occurred_at) WHERE NOT windowed`);
  await knex.schema.createTable('window_buckets', (t) => {
    t.timestamp('bucket_start', { useTz: true }).primary();
    t.integer('count').notNullable();
    t.double('sentiment_sum').notNullable();
    t.integer('sentiment_count').notNullable();
  });
  await knex.schema.createTable('window_points', (t) => {
    t.text('signal_id').primary().references('signals.id').onDelete('CASCADE');
    t.text('root_cause').notNullable();
    t.double('lat').notNullable();
    t.double('lon').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.index(['root_cause', 'occurred_at']);
  });
  await knex.schema.createTable('window_pending', (t) => {
    t.text('kind').notNullable(); // 'volume' (hour start) or 'cliff' (window end)
    t.timestamp('at', { useTz: true }).notNullable();
    t.primary(['kind', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('window_pending');
  await knex.schema.dropTable('window_points');
  await knex.schema.dropTable('window_buckets');
  await knex.raw('DROP INDEX signals_unwindowed_idx');
  await knex.schema.alterTable('signals', (t) => {
    t.dropIndex(['occurred_at']);
    t.dropColumn('windowed');
  });
}
