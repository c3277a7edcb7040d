// Cases for escalations: in Salesforce through @salesforce/core when configured, else in the outbox.
import type { Db } from '../db';
import { recordInOutbox } from './outbox';

export interface CaseDraft {
  /** Our escalation's id: at most one case per escalation, also under retries. */
  escalationId: string;
  customerId: string;
  customerExternalId: string | null;
  subject: string;
  description: string;
  priority: 'Low' | 'Medium' | 'High';
  contact: { name: string | null; email: string | null; phone: string | null };
}

export interface CrmCases {
  readonly mode: 'salesforce' | 'outbox';
  /** Returns the case for this escalation, creating it only when none exists. */
  ensureCase(c: CaseDraft): Promise<{ caseId: string; created: boolean }>;
  closeCase(caseId: string, comment: string): Promise<void>;
}

export class OutboxCrm implements CrmCases {
  readonly mode = 'outbox' as const;
  constructor(private readonly db: Db) {}

  async ensureCase(c: CaseDraft) {
    const ref = `case/${c.escalationId}`;
    const existed = await this.db('outbox').where({ ref }).first('id');
    const id = await recordInOutbox(this.db, {
      kind: 'crm_case',
      ref,
      customerId: c.customerId,
      recipient: c.customerExternalId,
      subject: c.subject,
      body: c.description,
      payload: { priority: c.priority, contact: c.contact },
    });
    return { caseId: `outbox-case-${id}`, created: !existed };
  }

  async closeCase(caseId: string, comment: string) {
    await recordInOutbox(this.db, { kind: 'crm_case_update', ref: `close/${caseId}`, customerId: null, recipient: null, subject: 'Closed', body: comment, payload: { caseId } });
  }
}
