import type { Knex } from 'knex';

// Consent by purpose (sms, email, analysis, training), each with where it came from and when; and
// signals kept for the record but not analysed because the customer did not consent to analysis.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    // {purpose: {granted, source, at}}: the latest decision per purpose.
    t.jsonb('consent_details').notNullable().defaultTo('{}');
  });
  await knex.schema.alterTable('signals', (t) => {
    // Why a signal was recorded but not analysed (e.g. `no_analysis_consent`); null when analysed.
    t.text('analysis_withheld');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signals', (t) => t.dropColumn('analysis_withheld'));
  await knex.schema.alterTable('customers', (t) => t.dropColumn('consent_details'));
}
