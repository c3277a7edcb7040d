// Without a provider's credentials, outbound messages and CRM cases are recorded here instead of sent.
import type { Db } from '../db';

export interface OutboxItem {
  kind: 'sms' | 'email' | 'crm_case' | 'crm_case_update';
  /** What it is for (a message id, an escalation): recorded once, whatever retries happen. */
  ref: string;
  customerId: string | null;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  payload?: Record<string, unknown>;
}

/** Records once per ref; returns the outbox id (the existing one on a retry). */
export async function recordInOutbox(db: Db, item: OutboxItem): Promise<number> {
  await db('outbox')
    .insert({
      kind: item.kind,
      ref: item.ref,
      customer_id: item.customerId,
      recipient: item.recipient,
      subject: item.subject,
      body: item.body,
      payload: item.payload ? JSON.stringify(item.payload) : null,
    })
    .onConflict('ref')
    .ignore();
  const row = await db('outbox').where({ ref: item.ref }).first('id');
  return Number(row.id);
}

export async function listOutbox(db: Db, f: { customerId?: string; customerIds?: readonly string[]; limit: number }) {
  const q = db('outbox').orderBy('id', 'desc').limit(f.limit);
  if (f.customerId) q.where({ customer_id: f.customerId });
  if (f.customerIds) q.whereIn('customer_id', f.customerIds);
  const rows = await q;
  return rows.map((r: Record<string, any>) => ({
    id: Number(r.id),
    kind: r.kind,
    ref: r.ref,
    customerId: r.customer_id,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    payload: r.payload,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
