import type { Knex } from 'knex';

// The retention purge (activities/retention.ts) finds expired rows by these columns a batch at a
// time; without an index every batch, and every hourly run that finds nothing, scans the table.
const INDEXES: [name: string, sql: string][] = [
  ['outreach_messages_created_at', 'outreach_messages (created_at)'],
  ['outreaches_commented_answered_at', 'outreaches (answered_at) WHERE survey_comment IS NOT NULL'],
  ['outbox_created_at', 'outbox (created_at)'],
  ['inbound_messages_received_at', 'inbound_messages (received_at)'],
  ['webhook_receipts_received_at', 'webhook_receipts (received_at)'],
  ['alerts_resolved_at', `alerts (resolved_at) WHERE status = 'resolved'`],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, on] of INDEXES) await knex.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of INDEXES) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}
