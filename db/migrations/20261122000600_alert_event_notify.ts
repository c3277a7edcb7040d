import type { Knex } from 'knex';

// Every alert event (created, acknowledged, resolved, suppressed) wakes the API's stream feed.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_alert_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('alert_events', NEW.id::text);
      RETURN NEW;
    END $$;
    CREATE TRIGGER alert_events_notify AFTER INSERT ON alert_events
      FOR EACH ROW EXECUTE FUNCTION notify_alert_event();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER alert_events_notify ON alert_events; DROP FUNCTION notify_alert_event();');
}
