// Outreach activities: decide, send, escalate, record. Built over their dependencies like the others.
import { randomUUID } from 'node:crypto';
import { alertIdFor } from './ids';
import type { Db } from '../db';
import { insertAlerts } from '../db/alerts';
import { claimCase, claimMessage, getOutreach, hasOpenLegalThreat, recentContacts, releaseCaseClaim, releaseMessageClaim } from '../db/outreach';
import { contactOf, getProfile, profileOfRow, type CustomerProfile } from '../db/profiles';
import { RECOMMENDED_ACTIONS } from '../domain/actions';
import { surveySignalId } from '../domain/ids';
import {
  checkContactPressure,
  chooseChannel,
  localeOf,
  msUntilQuietHoursEnd,
  reminderMessage,
  SF_PRIORITY,
  surveyMessage,
  type Channel,
  type OutreachAsk,
  type OutreachPolicy,
} from '../domain/outreach';
import {
  escalationDedupId,
  outreachIdOf,
  outreachWorkflowId,
  type EscalationReason,
  type OutreachOutcome,
  type OutreachResult,
  type SurveyAnswer,
} from '../domain/outreach-messages';
import type { AlertStatus, Severity } from '../domain/types';
import { OutboxCrm, type CrmCases } from '../integrations/crm';
import { recordInOutbox } from '../integrations/outbox';
import { OutboxSms, type SmsSender } from '../integrations/sms';
import { recipientBinding, signSurveyToken } from '../integrations/survey-link';
import { AuditTrail, DEV_PSEUDONYM_SECRET, type AuditEvent } from '../db/audit';
import type { Knex } from 'knex';
import { customerSubject } from '../privacy/subjects';
import { platformMetrics } from '../api/metrics';
import { countFired } from './metrics';

export interface OutreachDeps {
  db: Db;
  /** Default: the outbox table. */
  sms?: SmsSender;
  /** Default: the outbox table. */
  crm?: CrmCases;
  /** Signs survey links; the API verifies them with the same secret. */
  surveySecret?: string;
  /** Origin of survey links and of Twilio status callbacks. */
  publicBaseUrl?: string;
  /** Keys the customer pseudonyms of the audit trail (PSEUDONYM_SECRET). */
  pseudonymSecret?: string;
}

/** The audit trail's reason for a decision not to contact, with the check that made it as detail. */
const WITHHELD_BECAUSE: Record<string, string> = {
  no_profile: 'consent',
  no_consented_channel: 'consent',
  sms_opted_out: 'stop',
  survey_fatigue: 'budget',
  weekly_message_limit: 'budget',
  legal_threat_open: 'legal_hold',
};
const withheldReason = (detail: string) => ({ reason: WITHHELD_BECAUSE[detail] ?? detail, detail });
/** Outreach ids contain the customer id; the audit row names the customer by pseudonym and the outreach by number. */
const seqOf = (outreachId: string) => Number(outreachId.slice(outreachId.lastIndexOf('/') + 1));

export type BeginOutreachResult =
  | { action: 'start'; outreachId: string; workflowId: string; timeZone: string }
  | { action: 'running'; workflowId: string }
  | { action: 'skip'; outreachId: string; reason: string };

export type SendResult = { sent: true; messageId: string; channel: Channel; status: string } | { sent: false; reason: string };

/** Why no message may go to this customer now, or which channel to use. */
async function contactDecision(
  db: Db,
  profile: CustomerProfile | null,
  kind: 'survey' | 'reminder',
  policy: OutreachPolicy,
  now: number,
  exceptMessageId?: string,
): Promise<{ ok: true; channel: Channel } | { ok: false; reason: string }> {
  if (!profile) return { ok: false, reason: 'no_profile' };
  // Legal first: nothing automated goes out while a legal threat is open.
  if (await hasOpenLegalThreat(db, profile.id)) return { ok: false, reason: 'legal_threat_open' };
  const channel = chooseChannel(contactOf(profile));
  if (!channel) return { ok: false, reason: profile.smsOptedOutAt ? 'sms_opted_out' : 'no_consented_channel' };
  const horizon = Math.max(policy.surveyWindowMs, 7 * 24 * 3600_000);
  const pressure = checkContactPressure(await recentContacts(db, profile.id, now - horizon, exceptMessageId), kind, now, policy);
  if (!pressure.ok) return { ok: false, reason: pressure.reason };
  return { ok: true, channel };
}

/**
 * The journey asks whether to start an outreach. At most one runs per customer; legal threats,
 * missing consent and the contact-pressure budget stop it before it starts. Every decision is
 * recorded as an outreach row (skipped ones with their reason); its audit events come back for the
 * caller to record last in its transaction (`trx`), with its own. Idempotent per triggering signal.
 */
export async function beginOutreach(
  trx: Knex.Transaction,
  input: OutreachAsk,
  pseudonymSecret: string,
): Promise<{ result: BeginOutreachResult; events: AuditEvent[]; skipped: string | null }> {
  const { customerId, policy } = input;
  const none = (result: BeginOutreachResult) => ({ result, events: [], skipped: null });
  const triggerKey = `signal:${input.triggerSignalId}`;
  // What decides it, in one statement: this trigger's outreach, a running one, the last number, the profile.
  const {
    rows: [known],
  } = await trx.raw<{ rows: { mine: Record<string, any> | null; running: string | null; seq: number | null; customer: Record<string, any> | null }[] }>(
    `SELECT (SELECT to_jsonb(o) FROM outreaches o WHERE o.customer_id = :c AND o.trigger_key = :t LIMIT 1) AS mine,
            (SELECT workflow_id FROM outreaches WHERE customer_id = :c AND status = 'running' LIMIT 1) AS running,
            (SELECT max(seq) FROM outreaches WHERE customer_id = :c) AS seq,
            (SELECT to_jsonb(c) FROM customers c WHERE c.id = :c) AS customer`,
    { c: customerId, t: triggerKey },
  ).options({ name: 'outreach_context' });
  if (known.mine) return none(resultOf(known.mine));
  if (known.running) return none({ action: 'running', workflowId: known.running });

  const profile = profileOfRow(known.customer);
  const decision = await contactDecision(trx, profile, 'survey', policy, Date.now());
  const timeZone = profile?.timeZone ?? policy.defaultTimeZone;
  const seq = Number(known.seq ?? 0) + 1;
  const row = {
    id: outreachIdOf(customerId, seq),
    customer_id: customerId,
    seq,
    trigger_key: triggerKey,
    trigger: JSON.stringify({ reason: input.reason, ...input.evidence, timeZone }),
    journey_workflow_id: input.journeyWorkflowId,
    ...(decision.ok
      ? { status: 'running', workflow_id: outreachWorkflowId(customerSubject(pseudonymSecret, customerId), seq), channel: decision.channel }
      : { status: 'skipped', skip_reason: decision.reason, outcome: 'skipped', ended_at: trx.fn.now() }),
  };
  const [inserted] = await trx('outreaches').insert(row).onConflict().ignore().returning('*');
  // Lost a race (another start for this customer): report what is there now.
  if (!inserted) {
    const again = await trx('outreaches').where({ customer_id: customerId, trigger_key: triggerKey }).first();
    if (again) return none(resultOf(again));
    const other = await trx('outreaches').where({ customer_id: customerId, status: 'running' }).first('workflow_id');
    return none(other ? { action: 'running', workflowId: other.workflow_id } : { action: 'skip', outreachId: row.id, reason: 'conflict' });
  }
  const about = { actor: 'system', customerId, data: { outreachSeq: seq, trigger: input.reason, tier: input.evidence.tier, score: input.evidence.score } };
  if (!decision.ok) {
    return { result: resultOf(inserted), events: [{ ...about, action: 'outreach.skipped', data: { ...about.data, ...withheldReason(decision.reason) } }], skipped: decision.reason };
  }
  // The workflow waits out the customer's quiet hours before it sends (workflows/outreach.ts).
  const quietMs = msUntilQuietHoursEnd(Date.now(), timeZone, policy.quietHours);
  const events: AuditEvent[] = [
    { ...about, action: 'outreach.started', data: { ...about.data, channel: decision.channel } },
    ...(quietMs > 0 ? [{ ...about, action: 'message.deferred' as const, data: { outreachSeq: seq, kind: 'survey', reason: 'quiet_hours', deferredMinutes: Math.ceil(quietMs / 60_000) } }] : []),
  ];
  return { result: resultOf(inserted), events, skipped: null };
}

export function createOutreachActivities(deps: OutreachDeps) {
  const { db } = deps;
  const sms = deps.sms ?? new OutboxSms(db);
  const crm = deps.crm ?? new OutboxCrm(db);
  const secret = deps.surveySecret ?? 'dev-survey-secret-change-me';
  const base = (deps.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const audit = new AuditTrail(deps.pseudonymSecret ?? DEV_PSEUDONYM_SECRET);

  return {
    /** `beginOutreach` above in a transaction of its own (journey runs from before 2026-12-b ask after their batch). */
    async beginOutreach(input: OutreachAsk): Promise<BeginOutreachResult> {
      const { result, skipped } = await db.transaction(async (trx) => {
        const begun = await beginOutreach(trx, input, deps.pseudonymSecret ?? DEV_PSEUDONYM_SECRET);
        await audit.record(trx, begun.events);
        return begun;
      });
      if (skipped) platformMetrics.outreachWithheld.inc({ reason: skipped });
      return result;
    },

    /**
     * Sends the survey invitation or the reminder, re-checking consent, legal threats and the
     * contact-pressure budget right before it goes out. Idempotent per (outreach, kind): a retry
     * after the provider accepted the message does not send it again.
     */
    async sendOutreachMessage(input: { outreachId: string; kind: 'survey' | 'reminder'; expiresAt: number; policy: OutreachPolicy }): Promise<SendResult> {
      const messageId = `${input.outreachId}/${input.kind}`;
      const existing = await db('outreach_messages').where({ id: messageId }).first();
      if (existing && existing.status !== 'sending') return { sent: true, messageId, channel: existing.channel, status: existing.status };
      const outreach = await getOutreach(db, input.outreachId);
      if (!outreach) throw new Error(`outreach ${input.outreachId} does not exist`);
      const profile = await getProfile(db, outreach.customerId);
      const decision = await contactDecision(db, profile, input.kind, input.policy, Date.now(), messageId);
      if (!decision.ok) {
        const data = { outreachSeq: seqOf(input.outreachId), kind: input.kind, ...withheldReason(decision.reason) };
        const subject = audit.subjectOf(outreach.customerId);
        // A retry of this activity records the decision once.
        const recorded = await db('audit_log').where({ subject, action: 'message.withheld' }).whereRaw('data @> ?::jsonb', [JSON.stringify({ outreachSeq: data.outreachSeq, kind: data.kind })]).first('id');
        if (!recorded) {
          await audit.record(db, [{ actor: 'system', action: 'message.withheld', customerId: outreach.customerId, data }]);
          platformMetrics.outreachWithheld.inc({ reason: decision.reason });
        }
        return { sent: false, reason: decision.reason };
      }

      const token = signSurveyToken(secret, { o: input.outreachId, e: Math.floor(input.expiresAt / 1000), r: recipientBinding(secret, outreach) });
      const link = `${base}/s/${token}`;
      const locale = localeOf(profile!.locale);
      const body = (input.kind === 'survey' ? surveyMessage : reminderMessage)(locale, profile!.name, link);
      const to = decision.channel === 'sms' ? profile!.phone! : profile!.email!;
      // Written before the provider call: a crash in between leaves a 'sending' row that the retry
      // completes. Once an attempt has called the provider, the row keeps what it sent.
      await db('outreach_messages')
        .insert({
          id: messageId,
          outreach_id: input.outreachId,
          customer_id: outreach.customerId,
          kind: input.kind,
          channel: decision.channel,
          provider: decision.channel === 'sms' ? sms.mode : 'outbox',
          to_address: to,
          body,
          survey_link: link,
          status: 'sending',
        })
        .onConflict('id')
        .merge(['body', 'survey_link', 'to_address'])
        .where('outreach_messages.claimed_at', null);

      let providerId: string;
      let status: string;
      if (decision.channel === 'sms') {
        // At most one SMS per row: one attempt at a time holds the row, and an attempt after one
        // that may have reached Twilio asks Twilio first.
        const token = randomUUID();
        const claim = await claimMessage(db, messageId, token);
        if (claim.state === 'done') return { sent: true, messageId, channel: claim.row.channel, status: claim.row.status };
        if (claim.state === 'busy') throw new Error(`message ${messageId} is being sent by another attempt`);
        const statusCallback = sms.mode === 'twilio' ? `${base}/v1/webhooks/twilio/status?m=${encodeURIComponent(messageId)}` : null;
        const m = { ref: messageId, customerId: outreach.customerId, to: claim.row.to_address as string, body: claim.row.body as string, statusCallback };
        try {
          ({ providerId, status } = (claim.attemptedAt && (await sms.findSent(m, claim.attemptedAt))) || (await sms.send(m)));
        } catch (err) {
          await releaseMessageClaim(db, messageId, token);
          throw err;
        }
      } else {
        // No email provider: an email is a recorded outbox message.
        const subject = locale === 'de' ? 'Ihre Meinung ist uns wichtig' : 'We would like to hear from you';
        providerId = `outbox-${await recordInOutbox(db, { kind: 'email', ref: messageId, customerId: outreach.customerId, recipient: to, subject, body })}`;
        status = 'recorded';
      }
      await db.transaction(async (trx) => {
        await trx('outreach_messages').where({ id: messageId }).update({ provider_id: providerId, status, status_at: trx.fn.now(), claim_token: null });
        await audit.record(trx, [
          {
            actor: 'system',
            action: 'message.sent',
            customerId: outreach.customerId,
            data: { outreachSeq: seqOf(input.outreachId), kind: input.kind, channel: decision.channel, provider: decision.channel === 'sms' ? sms.mode : 'outbox', status },
          },
        ]);
      });
      platformMetrics.outreachSent.inc({ kind: input.kind, channel: decision.channel });
      return { sent: true, messageId, channel: decision.channel, status };
    },

    /**
     * Opens the operator alert (owned by the outreach workflow, so acknowledge/resolve reach it) and
     * the CRM case, once per escalation: the alert id derives from the outreach, and the case id is
     * stored; a case created by an attempt that failed before storing it is found in the CRM by our
     * escalation id.
     */
    async escalateOutreach(input: { outreachId: string; reason: EscalationReason; answer: SurveyAnswer | null; notify: string }) {
      const outreach = await getOutreach(db, input.outreachId);
      if (!outreach) throw new Error(`outreach ${input.outreachId} does not exist`);
      const profile = await getProfile(db, outreach.customerId);
      const dedupId = escalationDedupId(outreach.id);
      const alertId = alertIdFor(dedupId);
      const severity: Severity = 'high';
      const why =
        input.reason === 'detractor'
          ? `answered the survey with ${input.answer!.score}/10${input.answer!.comment ? `: "${input.answer!.comment}"` : ''}`
          : input.reason === 'undeliverable'
            ? 'could not be reached: the survey message was not delivered'
            : 'did not answer the survey before the deadline';
      const signalIds = [...((outreach.trigger.signalIds as string[] | undefined) ?? []), ...(input.answer ? [surveySignalId(outreach.id)] : [])];
      let created: Awaited<ReturnType<typeof insertAlerts>> = [];
      await db.transaction(async (trx) => {
        created = await insertAlerts(trx, [
          {
            id: alertId,
            type: 'outreach_escalation',
            severity,
            customerId: outreach.customerId,
            key: 'outreach_escalation',
            dedupId,
            workflowId: outreach.workflowId,
            recommendedAction: RECOMMENDED_ACTIONS.outreach_escalation,
            evidence: { signalIds, reason: input.reason, answer: input.answer, trigger: outreach.trigger, outreachId: outreach.id },
            metadata: { outreachId: outreach.id, escalationLevel: 0, notify: input.notify },
          },
        ]);
        const data = { outreachSeq: outreach.seq, alertId, reason: input.reason, score: input.answer?.score ?? null, notify: input.notify };
        if (created.length) {
          await audit.record(trx, [
            { actor: 'system', action: 'outreach.escalated', customerId: outreach.customerId, data },
            { actor: 'system', action: 'alert.fired', customerId: outreach.customerId, data: { alertId, rule: 'outreach_escalation', severity, reason: input.reason } },
          ]);
        }
      });
      countFired(created, []);
      if (created.length) platformMetrics.escalations.inc({ reason: input.reason });
      await db('outreaches')
        .where({ id: outreach.id })
        .whereNull('escalation_reason')
        .update({ escalation_reason: input.reason, escalation_alert_id: alertId, escalated_at: db.fn.now() });

      // One case per escalation: one attempt at a time looks the case up in the CRM and creates it,
      // holding a claim on the outreach (the escalation's key) from the lookup until the id is stored.
      const token = randomUUID();
      let claim = await claimCase(db, outreach.id, token);
      for (let waited = 0; claim.state === 'busy' && waited < 10_000; waited += 250) {
        await new Promise((r) => setTimeout(r, 250));
        claim = await claimCase(db, outreach.id, token);
      }
      if (claim.state === 'busy') throw new Error(`the case of escalation ${alertId} is being created by another attempt`);
      let caseId = claim.state === 'done' ? claim.caseId : null;
      if (!caseId) {
        const who = profile?.name ? `${profile.name} (${outreach.customerId})` : outreach.customerId;
        const c = await crm.ensureCase({
          escalationId: alertId,
          customerId: outreach.customerId,
          customerExternalId: profile?.externalId ?? null,
          subject: `Unhappy customer ${who}: ${input.reason === 'detractor' ? `survey ${input.answer!.score}/10` : 'no answer to survey'}`,
          description: [
            `Customer ${who} ${why}.`,
            `Outreach ${outreach.id} was started because of ${String(outreach.trigger.reason)} (risk tier ${String(outreach.trigger.tier)}, score ${String(outreach.trigger.score)}).`,
            `Evidence signals: ${signalIds.join(', ') || 'none'}.`,
            `Customer external id: ${profile?.externalId ?? 'unknown'}.`,
            `Operator alert ${alertId}; recommended action: ${RECOMMENDED_ACTIONS.outreach_escalation.en}`,
          ].join('\n'),
          priority: SF_PRIORITY[severity],
          contact: { name: profile?.name ?? null, email: profile?.email ?? null, phone: profile?.phone ?? null },
        }).catch(async (err) => {
          await releaseCaseClaim(db, outreach.id, token);
          throw err;
        });
        caseId = c.caseId;
        await releaseCaseClaim(db, outreach.id, token, caseId);
        await db('alerts')
          .where({ id: alertId })
          .update({ metadata: db.raw(`metadata || ?::jsonb`, [JSON.stringify({ crmCaseId: caseId, crm: crm.mode })]) });
      }
      return { alertId, caseId };
    },

    /**
     * What the database knows of this outreach: the answer, whether the survey bounced, the
     * escalation alert's status. The workflow re-reads it on a timer, so a lost message never
     * leaves it waiting.
     */
    async readOutreachFacts(input: { outreachId: string; alertId: string | null }): Promise<{ answer: SurveyAnswer | null; undeliverable: boolean; alertStatus: AlertStatus | null }> {
      const o = await getOutreach(db, input.outreachId);
      const bounced = await db('outreach_messages').where({ outreach_id: input.outreachId, kind: 'survey' }).whereIn('status', ['failed', 'undelivered']).first('id');
      const alert = input.alertId ? await db('alerts').where({ id: input.alertId }).first('status') : null;
      return { answer: o?.answer ?? null, undeliverable: !!bounced, alertStatus: (alert?.status as AlertStatus | undefined) ?? null };
    },

    /** The next level of the escalation chain is told; the last level raises the alert to critical. */
    async renotifyEscalation(input: { alertId: string; level: number; notify: string; last: boolean }) {
      let raised = false;
      await db.transaction(async (trx) => {
        const already = await trx('alert_events').where({ alert_id: input.alertId, action: 'renotified' }).whereRaw(`(data->>'level')::int = ?`, [input.level]).first('id');
        if (already) return;
        const patch: Record<string, unknown> = {
          metadata: trx.raw(`metadata || ?::jsonb`, [JSON.stringify({ escalationLevel: input.level, notify: input.notify })]),
        };
        if (input.last) patch.severity = 'critical';
        await trx('alerts').where({ id: input.alertId }).update(patch);
        await trx('alert_events').insert({
          alert_id: input.alertId,
          action: 'renotified',
          actor: 'system',
          note: `not acknowledged in time: escalated to ${input.notify}`,
          data: JSON.stringify({ level: input.level, notify: input.notify }),
        });
        raised = true;
      });
      if (raised) platformMetrics.escalationLevels.inc({ level: String(input.level) });
    },

    /**
     * Records the outcome (the label the feedback loop learns from). When an operator resolved
     * the escalation here, the CRM case is closed too; a closure reported by the CRM is not echoed.
     */
    async finishOutreach(input: {
      outreachId: string;
      outcome: OutreachOutcome;
      escalationReason: EscalationReason | null;
      skipReason: string | null;
      answer: SurveyAnswer | null;
    }): Promise<OutreachResult> {
      const o = await getOutreach(db, input.outreachId);
      if (!o) throw new Error(`outreach ${input.outreachId} does not exist`);
      let outcome = input.outcome;
      let resolvedBy: string | null = null;
      let resolvedAt: string | null = null;
      if (o.escalation?.alertId) {
        const alert = await db('alerts').where({ id: o.escalation.alertId }).first('resolved_by', 'resolved_at', 'status');
        if (alert?.status === 'resolved') {
          resolvedBy = alert.resolved_by;
          resolvedAt = new Date(alert.resolved_at).toISOString();
          const reported = o.outcomeDetail?.reportedOutcome;
          if (reported === 'churned' || reported === 'recovered') outcome = reported;
          if (o.escalation.crmCaseId && !String(resolvedBy).startsWith('crm:')) {
            await crm.closeCase(o.escalation.crmCaseId, `Resolved by ${resolvedBy} in the engagement platform.`);
          }
        }
      } else if (input.outcome !== 'skipped') {
        resolvedBy = 'customer';
        resolvedAt = input.answer?.answeredAt ?? null;
      }
      await db('outreaches')
        .where({ id: o.id })
        .update({
          status: input.outcome === 'skipped' ? 'skipped' : 'completed',
          outcome,
          skip_reason: input.skipReason,
          resolved_by: resolvedBy,
          resolved_at: resolvedAt,
          ended_at: db.fn.now(),
        });
      return { outreachId: o.id, outcome, escalationReason: input.escalationReason, skipReason: input.skipReason, answer: input.answer, resolvedBy, resolvedAt };
    },
  };
}

function resultOf(r: Record<string, any>): BeginOutreachResult {
  if (r.status === 'skipped') return { action: 'skip', outreachId: r.id, reason: r.skip_reason };
  if (r.status === 'running') return { action: 'start', outreachId: r.id, workflowId: r.workflow_id, timeZone: r.trigger?.timeZone };
  // Completed already (a very late retry): nothing to start.
  return { action: 'skip', outreachId: r.id, reason: 'already_completed' };
}
