import type { Knex } from 'knex';

// Outreach runs, their messages, the outbox (no provider configured) and webhook receipts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outreaches', (t) => {
    t.text('id').primary(); // <customerId>/<seq>
    t.text('customer_id').notNullable().index();
    t.integer('seq').notNullable();
    // What started it (the journey's triggering signal): a retried start finds its own row.
    t.text('trigger_key').notNullable();
    t.jsonb('trigger').notNullable();
    t.text('workflow_id').unique();
    t.text('journey_workflow_id');
    t.text('status').notNullable(); // running | completed | skipped
    t.text('skip_reason');
    t.text('channel');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.timestamp('ended_at', { useTz: true });
    t.integer('survey_score');
    t.text('survey_comment');
    t.text('answered_via');
    t.timestamp('answered_at', { useTz: true });
    t.text('escalation_reason');
    t.uuid('escalation_alert_id');
    t.text('crm_case_id').index();
    t.timestamp('escalated_at', { useTz: true });
    t.text('outcome'); // recovered | neutral | resolved | churned | skipped
    t.text('resolved_by');
    t.timestamp('resolved_at', { useTz: true });
    t.jsonb('outcome_detail');
    t.unique(['customer_id', 'seq']);
    t.unique(['customer_id', 'trigger_key']);
  });
  // At most one outreach in flight per customer, whatever races happen.
  await knex.raw(`CREATE UNIQUE INDEX outreaches_one_running ON outreaches (customer_id) WHERE status = 'running'`);

  await knex.schema.createTable('outreach_messages', (t) => {
    t.text('id').primary(); // <outreachId>/<kind>
    t.text('outreach_id').notNullable().references('outreaches.id').onDelete('CASCADE').index();
    t.text('customer_id').notNullable().index();
    t.text('kind').notNullable(); // survey | reminder
    t.text('channel').notNullable(); // sms | email
    t.text('provider').notNullable(); // twilio | outbox
    t.text('to_address').notNullable();
    t.text('body').notNullable();
    t.text('survey_link');
    t.text('provider_id').unique(); // Twilio MessageSid or outbox id
    t.text('status').notNullable(); // sending | queued | sent | delivered | undelivered | failed | recorded
    t.text('error_code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.timestamp('status_at', { useTz: true });
  });

  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // sms | email | crm_case | crm_case_update
    t.text('ref').notNullable().unique(); // what it is for: a message id, an escalation: recorded once
    t.text('customer_id').index();
    t.text('recipient');
    t.text('subject');
    t.text('body');
    t.jsonb('payload');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
  });

  await knex.schema.createTable('inbound_messages', (t) => {
    t.text('id').primary(); // Twilio MessageSid
    t.text('from_address').notNullable();
    t.text('customer_id').index();
    t.text('body').notNullable();
    t.text('keyword');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Every webhook delivery we acted on, so a redelivery is recognised and does nothing.
  await knex.schema.createTable('webhook_receipts', (t) => {
    t.text('source').notNullable();
    t.text('key').notNullable();
    t.text('payload_hash');
    t.jsonb('result');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_receipts');
  await knex.schema.dropTable('inbound_messages');
  await knex.schema.dropTable('outbox');
  await knex.schema.dropTable('outreach_messages');
  await knex.schema.dropTable('outreaches');
}
