import type { Knex } from 'knex';

// A suppressed repeat is counted once per alert and signal, enforced by the schema: countSuppressions
// inserts its events with ON CONFLICT on this index instead of first looking for an earlier attempt's
// event with NOT EXISTS. The planner ran that look-up as a sequential scan of every suppressed event
// whenever the table had grown faster than its statistics (the bench's throughput phases: 17,214
// rows filtered for one batch of six, 5 ms a batch and a third of Postgres's time). The index is an
// index probe whatever the statistics say.
export async function up(knex: Knex): Promise<void> {
  // The look-up made duplicates impossible for one journey's sequential batches; should any exist,
  // the first of each stays (the index could not be built otherwise).
  await knex.raw(`
    DELETE FROM alert_events e USING alert_events f
     WHERE e.action = 'suppressed' AND f.action = 'suppressed' AND e.alert_id = f.alert_id
       AND e.data->>'signalId' = f.data->>'signalId' AND e.id > f.id`);
  await knex.raw(`CREATE UNIQUE INDEX alert_events_suppressed_once ON alert_events (alert_id, (data->>'signalId')) WHERE action = 'suppressed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX alert_events_suppressed_once');
}
