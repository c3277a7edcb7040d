import type { Knex } from 'knex';

// Claims around provider calls, so a retried or concurrent attempt neither sends an SMS twice nor
// creates a second case (activities/outreach.ts). claim_token: held by an attempt now; claimed_at:
// when the last attempt started its provider call, kept after release so the next attempt asks the
// provider first.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outreach_messages', (t) => {
    t.text('claim_token');
    t.timestamp('claimed_at', { useTz: true });
  });
  await knex.schema.alterTable('outreaches', (t) => {
    t.text('crm_case_claim');
    t.timestamp('crm_case_claimed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outreaches', (t) => {
    t.dropColumn('crm_case_claim');
    t.dropColumn('crm_case_claimed_at');
  });
  await knex.schema.alterTable('outreach_messages', (t) => {
    t.dropColumn('claim_token');
    t.dropColumn('claimed_at');
  });
}
