import type { Knex } from 'knex';

// Notifications to people (escalation levels, subscribed alert types): one row per event, which is
// also what the console shows, and one row per delivery attempt on each channel. Both go with
// their alert (erasure, retention).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    // What it is for: `escalation/<alertId>/<level>` or `alert/<alertId>`; notified once.
    t.text('key').notNullable().unique();
    t.uuid('alert_id').notNullable().references('alerts.id').onDelete('CASCADE').index();
    t.text('customer_id');
    t.text('alert_type').notNullable();
    t.text('severity').notNullable();
    t.integer('level');
    t.text('recipient');
    t.text('text').notNullable();
    t.text('link').notNullable();
    // Per channel: pending | delivered | off (not configured); each attempt is in notification_deliveries.
    t.jsonb('channels').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.index(['created_at']);
  });
  await knex.schema.createTable('notification_deliveries', (t) => {
    t.bigIncrements('id');
    t.bigInteger('notification_id').notNullable().references('notifications.id').onDelete('CASCADE').index();
    t.text('channel').notNullable(); // webhook | email | console
    t.text('outcome').notNullable(); // delivered | failed
    t.text('detail'); // HTTP status, SMTP response or error message (no personal data)
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notification_deliveries');
  await knex.schema.dropTable('notifications');
}
