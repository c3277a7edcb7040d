import type { Knex } from 'knex';

// The contact profile a CRM or operator keeps for a customer (PUT /v1/customers/:id).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.text('external_id').unique();
    t.text('name');
    t.text('phone').index();
    t.text('email');
    t.text('locale');
    t.text('time_zone');
    t.jsonb('consents').notNullable().defaultTo(JSON.stringify({ sms: false, email: false, analysis: true }));
    // Set by an inbound STOP, cleared only by UNSTOP/START: a profile update cannot override it.
    t.timestamp('sms_opted_out_at', { useTz: true });
    t.timestamp('profile_updated_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    for (const c of ['external_id', 'name', 'phone', 'email', 'locale', 'time_zone', 'consents', 'sms_opted_out_at', 'profile_updated_at']) t.dropColumn(c);
  });
}
