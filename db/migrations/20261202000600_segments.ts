import type { Knex } from 'knex';

// Risk segments: each customer's segment, the criteria version that put it there and when, the risk
// it was judged on, and the two profile facts segments may use (jurisdiction, customer type).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.text('jurisdiction');
    t.text('customer_type');
    t.text('segment').index();
    t.text('segment_version');
    t.timestamp('segment_at', { useTz: true });
    t.text('risk_tier').index();
    t.double('risk_score');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    for (const c of ['jurisdiction', 'customer_type', 'segment', 'segment_version', 'segment_at', 'risk_tier', 'risk_score']) t.dropColumn(c);
  });
}
