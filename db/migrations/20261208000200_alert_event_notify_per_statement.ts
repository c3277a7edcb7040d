import type { Knex } from 'knex';

// One wake-up for the API's stream feed per statement that adds alert events, not one per event. The
// feed reads every new event when woken and never looked at the payload (an event id), so a batch
// that counts four suppressions ran the trigger and pg_notify four times for nothing: 0.5 ms each on
// the bench machine under load (EXPLAIN ANALYZE). With an empty payload, Postgres also folds the
// notifications of one transaction into one. A statement that adds no event (a suppression counted
// already) wakes nobody.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_alert_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM added) THEN
        PERFORM pg_notify('alert_events', '');
      END IF;
      RETURN NULL;
    END $$;
    DROP TRIGGER alert_events_notify ON alert_events;
    DROP FUNCTION notify_alert_event();
    CREATE TRIGGER alert_events_notify AFTER INSERT ON alert_events
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION notify_alert_events();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_alert_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('alert_events', NEW.id::text);
      RETURN NEW;
    END $$;
    DROP TRIGGER alert_events_notify ON alert_events;
    DROP FUNCTION notify_alert_events();
    CREATE TRIGGER alert_events_notify AFTER INSERT ON alert_events
      FOR EACH ROW EXECUTE FUNCTION notify_alert_event();
  `);
}
