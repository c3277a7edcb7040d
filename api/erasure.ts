// Erasure (README "Erasure"): DELETE /v1/customers/:id ends the customer's workflows, deletes their
// personal data from every table, destroys their data keys so what Temporal still holds for them can
// never be decrypted (crypto-shredding), asks the CRM to do its part, and leaves one audit entry
// and one `erasures` row — both with the pseudonym only. A repeated erasure changes nothing.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Db } from '../db';
import type { AuditTrail } from '../db/audit';
import { journeyWorkflowId } from '../domain/messages';
import type { CrmCases } from '../integrations/crm';
import type { CustomerKeyCodec } from '../privacy/codec';
import { customerSubject } from '../privacy/subjects';
import type { Logger } from './logger';

export interface ErasureDeps {
  db: Db;
  client: Client;
  codec: CustomerKeyCodec;
  audit: AuditTrail;
  crm: CrmCases;
  pseudonymSecret: string;
  log: Logger;
}

export interface ErasureResult {
  pseudonym: string;
  erasedAt: string;
  alreadyErased: boolean;
  summary: Record<string, unknown>;
}

/** Null when there is nothing of this customer and never was (404). */
export async function eraseCustomer(deps: ErasureDeps, customerId: string, actor: string): Promise<ErasureResult | null> {
  const { db, client, codec, audit, log } = deps;
  const pseudonym = audit.subjectOf(customerId);
  const subject = customerSubject(deps.pseudonymSecret, customerId);
  const profile = await db('customers').where({ id: customerId }).first('id', 'external_id', 'phone');
  const outreaches = await db('outreaches').where({ customer_id: customerId }).select('id', 'workflow_id', 'crm_case_id');
  const hasSignals = await db('signals').where({ customer_id: customerId }).first('id');
  const hasKeys = await db('data_keys').where({ subject }).first('id');
  const before = await db('erasures').where({ pseudonym }).first();
  if (!profile && !outreaches.length && !hasSignals && !hasKeys) {
    if (!before) return null;
    return { pseudonym, erasedAt: new Date(before.erased_at).toISOString(), alreadyErased: true, summary: before.summary };
  }

  // 1. End the workflows first, so nothing writes again what is deleted below.
  const workflowIds = [journeyWorkflowId(subject), ...outreaches.map((o: { workflow_id: string | null }) => o.workflow_id).filter((w): w is string => !!w)];
  let workflowsEnded = 0;
  for (const workflowId of workflowIds) {
    try {
      await client.workflow.getHandle(workflowId).terminate('customer erased');
      workflowsEnded++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // already ended, or never ran
    }
  }

  // 2. Delete their personal data everywhere, with the audit entry, in one transaction.
  const caseIds = outreaches.map((o: { crm_case_id: string | null }) => o.crm_case_id).filter((c): c is string => !!c);
  const summary: Record<string, unknown> = { workflowsEnded };
  const erasedAt = new Date();
  await db.transaction(async (trx: Knex.Transaction) => {
    const count = async (table: string, n: Promise<number>) => void (summary[table] = ((summary[table] as number) ?? 0) + (await n));
    const signalIds = trx('signals').where({ customer_id: customerId }).select('id');
    const alertIds = trx('alerts').where({ customer_id: customerId }).select('id');
    const outreachIds = trx('outreaches').where({ customer_id: customerId }).select('id');
    const inboundIds = trx('inbound_messages')
      .where({ customer_id: customerId })
      .modify((q) => (profile?.phone ? q.orWhere({ from_address: profile.phone }) : q))
      .select('id');
    await count('webhook_receipts', trx('webhook_receipts').where({ source: 'twilio_inbound' }).whereIn('key', inboundIds.clone()).delete());
    await count('webhook_receipts', trx('webhook_receipts').where({ source: 'twilio_status' }).whereRaw(`split_part(key, ':', 1) IN (SELECT provider_id FROM outreach_messages WHERE provider_id IS NOT NULL AND outreach_id IN (SELECT id FROM outreaches WHERE customer_id = ?))`, [customerId]).delete());
    await count('webhook_receipts', trx('webhook_receipts').where({ source: 'crm' }).whereRaw(`result->'body'->>'customerId' = ?`, [customerId]).delete());
    await count('inbound_messages', trx('inbound_messages').whereIn('id', inboundIds.clone()).delete());
    await count('outbox', trx('outbox').where({ customer_id: customerId }).delete());
    // Messages to their workflows (survey answers, alert changes) name them in ids and arguments.
    await count('workflow_messages', trx('workflow_messages').whereIn('workflow_id', workflowIds).delete());
    if (caseIds.length) await count('outbox', trx('outbox').whereRaw(`payload->>'caseId' = ANY(?)`, [caseIds]).delete());
    await count('outreach_messages', trx('outreach_messages').whereIn('outreach_id', outreachIds.clone()).delete());
    await count('alert_events', trx('alert_events').whereIn('alert_id', alertIds.clone()).delete());
    await count('alerts', trx('alerts').where({ customer_id: customerId }).delete());
    await count('outreaches', trx('outreaches').where({ customer_id: customerId }).delete());
    await count('window_points', trx('window_points').whereIn('signal_id', signalIds.clone()).delete());
    await count('analyses', trx('analyses').whereIn('signal_id', signalIds.clone()).delete());
    await count('signals', trx('signals').where({ customer_id: customerId }).delete());
    await count('customers', trx('customers').where({ id: customerId }).delete());
    // Keys limited to this customer no longer name them.
    await trx.raw(`UPDATE api_keys SET customer_ids = customer_ids - ?::text WHERE customer_ids @> ?::jsonb`, [customerId, JSON.stringify([customerId])]);
    // 3. Crypto-shredding: their data keys go, so their Temporal histories stay ciphertext for good.
    summary.dataKeysDestroyed = await codec.keys.destroy(subject, trx);
    summary.crm = deps.crm.mode === 'salesforce' ? 'requested' : profile?.external_id || caseIds.length ? 'recorded in the outbox' : 'nothing to ask';
    await audit.record(trx, [{ actor, action: 'customer.erased', customerId, data: { ...summary } }]);
    await trx('erasures')
      .insert({ pseudonym, erased_at: erasedAt, erased_by: actor, summary: JSON.stringify(summary) })
      .onConflict('pseudonym')
      .merge();
  });

  // 4. The CRM's part: a request to erase what it holds about them (its cases, its contact).
  if (profile?.external_id || caseIds.length) {
    try {
      await deps.crm.ensureCase({
        escalationId: `erasure/${pseudonym}`,
        customerId: pseudonym,
        customerExternalId: profile?.external_id ?? null,
        subject: 'Data erasure request (GDPR Art. 17)',
        description: `The customer linked to this record asked for erasure; the engagement platform erased its data on ${erasedAt.toISOString()}. Erase the related personal data here too. Cases opened by the platform: ${caseIds.join(', ') || 'none'}.`,
        priority: 'High',
        contact: { name: null, email: null, phone: null },
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, pseudonym }, 'CRM erasure request failed; the erasure itself is done');
      summary.crm = 'failed: ask the CRM by hand';
      await db('erasures').where({ pseudonym }).update({ summary: JSON.stringify(summary) });
    }
  }
  return { pseudonym, erasedAt: erasedAt.toISOString(), alreadyErased: false, summary };
}
