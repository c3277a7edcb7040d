// Webhooks: Twilio (delivery status, inbound SMS) signed with X-Twilio-Signature, and the CRM
// (bearer token). Each redelivery is recognised and changes nothing.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request } from 'express';
import twilio from 'twilio';
import type { Db } from '../../db';
import { changeAlertStatus } from '../../db/alerts';
import { platformMetrics } from '../metrics';
import type { AuditTrail } from '../../db/audit';
import { openSurveyForPhone, outreachByCaseId, updateMessageStatus } from '../../db/outreach';
import { enqueueWorkflowMessage, undeliverableMessage } from '../../db/workflow-messages';
import { customerByExternalId, customersByPhone, setSmsOptOut } from '../../db/profiles';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../domain/errors';
import { crmSignalId, smsSignalId } from '../../domain/ids';
import type { OccurredAtBounds } from '../../domain/input-limits';
import { HELP_TEXT, localeOf, npsFromReply, smsKeyword } from '../../domain/outreach';
import { parse } from '../errors';
import { payloadHash, type Ingest } from '../ingest';
import type { JourneyGateway } from '../journeys';
import type { Logger } from '../logger';
import type { OutreachService } from '../outreach-service';
import { crmEventSchema } from '../outreach-schemas';

export interface WebhookDeps {
  db: Db;
  journeys: JourneyGateway;
  ingest: Ingest;
  outreach: OutreachService;
  log: Logger;
  /** Validates X-Twilio-Signature; unset: Twilio webhooks are refused. */
  twilioAuthToken: string | null;
  /** The public origin Twilio posts to: the signed URL is this plus the request path. */
  publicBaseUrl: string;
  crmToken: string | undefined;
  /** The audit writer: STOP/START and a case closed in the CRM are recorded. */
  audit: AuditTrail;
  /** Bounds of a CRM event's occurredAt; default DEFAULT_OCCURRED_AT_BOUNDS. */
  occurredAt?: OccurredAtBounds;
}

/** Records a delivery once; false when it was seen before. */
async function firstReceipt(db: Db, source: string, key: string, hash: string | null = null): Promise<boolean> {
  const rows = await db('webhook_receipts').insert({ source, key, payload_hash: hash }).onConflict(['source', 'key']).ignore().returning('key');
  return rows.length > 0;
}

export function createWebhooksRouter(deps: WebhookDeps) {
  const { db, journeys, ingest, outreach, log } = deps;
  const router = Router();
  const CrmEventSchema = crmEventSchema(deps.occurredAt);
  router.use('/twilio', express.urlencoded({ extended: false, limit: '64kb' }));

  /** Twilio signs the full URL it posted to and the form parameters; anything else is forged. */
  function verifyTwilio(req: Request): Record<string, string> {
    if (!deps.twilioAuthToken) throw new ForbiddenError('Twilio webhooks are not accepted: TWILIO_AUTH_TOKEN is not configured');
    const signature = req.header('x-twilio-signature');
    const params = (req.body ?? {}) as Record<string, string>;
    const url = `${deps.publicBaseUrl}${req.originalUrl}`;
    if (!signature || !twilio.validateRequest(deps.twilioAuthToken, signature, url, params)) {
      throw new ForbiddenError('invalid or missing X-Twilio-Signature');
    }
    return params;
  }

  const twiml = (text?: string) => {
    const r = new twilio.twiml.MessagingResponse();
    if (text) r.message(text);
    return r.toString();
  };

  router.post('/twilio/status', async (req, res) => {
    const p = verifyTwilio(req);
    const sid = p.MessageSid ?? p.SmsSid;
    const status = p.MessageStatus ?? p.SmsStatus;
    if (!sid || !status) throw new DomainError('invalid_input', 'MessageSid and MessageStatus are required');
    // Twilio reports several statuses per message: a redelivery is the same sid with the same status.
    const result = await db.transaction(async (trx) => {
      if (!(await firstReceipt(trx, 'twilio_status', `${sid}:${status}`))) return { duplicate: true, message: null, messageKey: null };
      const message = await updateMessageStatus(trx, sid, status, p.ErrorCode || null);
      // A survey that cannot reach the customer: the waiting workflow hears of it through the durable path.
      let messageKey: string | null = null;
      if (message && message.kind === 'survey' && (status === 'failed' || status === 'undelivered')) {
        const o = await trx('outreaches').where({ id: message.outreachId }).first('workflow_id');
        if (o?.workflow_id) messageKey = await enqueueWorkflowMessage(trx, undeliverableMessage(o.workflow_id, message.id, message.errorCode));
      }
      return { duplicate: false, message, messageKey };
    });
    const m = result.message;
    if (result.messageKey) await journeys.sendMessages([result.messageKey]);
    res.status(200).json({ duplicate: result.duplicate, known: !!m || result.duplicate });
  });

  router.post('/twilio/sms', async (req, res) => {
    const p = verifyTwilio(req);
    const sid = p.MessageSid ?? p.SmsSid;
    const from = p.From;
    if (!sid || !from) throw new DomainError('invalid_input', 'MessageSid and From are required');
    const body = p.Body ?? '';
    const customers = await customersByPhone(db, from);
    const locale = localeOf(customers[0]?.locale);
    const keyword = smsKeyword(body);
    const fresh = await db.transaction(async (trx) => {
      if (!(await firstReceipt(trx, 'twilio_inbound', sid))) return false;
      await trx('inbound_messages').insert({ id: sid, from_address: from, customer_id: customers[0]?.id ?? null, body, keyword });
      // STOP takes effect in the same transaction that records it: no message goes out after it.
      if (keyword === 'stop' || keyword === 'start') {
        const affected = await setSmsOptOut(trx, from, keyword === 'stop');
        await deps.audit.record(
          trx,
          affected.map((customerId) => ({ actor: 'customer', action: 'consent.changed' as const, customerId, data: { purpose: 'sms', smsOptedOut: keyword === 'stop', via: `sms:${keyword}` } })),
        );
      }
      return true;
    });
    res.type('text/xml');
    if (!fresh) return void res.send(twiml());
    // Twilio answers STOP/START itself (Advanced Opt-Out); we answer HELP in the customer's language.
    if (keyword === 'help') return void res.send(twiml(HELP_TEXT[locale]));
    if (keyword) return void res.send(twiml());

    const score = npsFromReply(body);
    const open = score !== null ? await openSurveyForPhone(db, from) : null;
    if (open && score !== null) {
      try {
        await outreach.answerSurvey(open.outreachId, score, null, 'sms');
        return void res.send(twiml(locale === 'de' ? 'Vielen Dank für Ihre Antwort!' : 'Thank you for your answer!'));
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    // Any other reply is something the customer told us: a new signal for their journey.
    if (customers.length) {
      await ingest(
        customers.map((c) => ({
          id: smsSignalId(sid, c.id),
          customerId: c.id,
          type: 'chat' as const,
          channel: 'sms',
          text: body.slice(0, 20_000),
          metadata: { messageSid: sid },
        })),
      );
    } else {
      log.info({ sid }, 'inbound SMS from an unknown number');
    }
    res.send(twiml());
  });

  router.post('/crm', express.json({ limit: '256kb' }), async (req, res) => {
    if (!deps.crmToken) throw new ForbiddenError('the CRM webhook is disabled: CRM_WEBHOOK_TOKEN is not configured');
    const auth = req.header('authorization') ?? '';
    const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? '';
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!given || !timingSafeEqual(digest(given), digest(deps.crmToken))) throw new UnauthorizedError('missing or wrong bearer token');
    const event = parse(CrmEventSchema, req.body);
    const hash = payloadHash(event);

    const seen = await db('webhook_receipts').where({ source: 'crm', key: event.eventId }).first();
    if (seen) {
      if (seen.payload_hash !== hash) {
        throw new ConflictError('idempotency_conflict', `eventId ${event.eventId} was already received with a different payload`, [
          { field: 'eventId', reason: 'already used for another payload' },
        ]);
      }
      return void res.status(seen.result?.status ?? 200).json({ ...seen.result?.body, duplicate: true });
    }

    let status: number;
    let body: Record<string, unknown>;
    if (event.event === 'signal') {
      let customerId = event.customerId;
      if (!customerId) {
        customerId = (await customerByExternalId(db, event.externalId!))?.id ?? event.externalId!;
        await db('customers').insert({ id: customerId, external_id: event.externalId }).onConflict('id').ignore();
      }
      const { records, statuses } = await ingest([
        {
          id: crmSignalId(event.eventId),
          customerId,
          type: event.signalType,
          channel: 'crm',
          rootCause: event.reason,
          ...(event.text ? { text: event.text } : {}),
          ...(event.language ? { language: event.language } : {}),
          ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
          ...(event.analysis ? { analysis: event.analysis } : {}),
          metadata: { crmEventId: event.eventId, reason: event.reason },
        },
      ]);
      if (statuses[0] === 'conflict') throw new ConflictError('idempotency_conflict', `signal ${crmSignalId(event.eventId)} exists with another payload`);
      status = 202;
      body = { eventId: event.eventId, customerId, signalId: records[0].signal.id, workflowId: records[0].workflowId };
    } else {
      const o = await outreachByCaseId(db, event.caseId);
      if (!o?.escalation?.alertId) throw new NotFoundError('case', event.caseId);
      if (event.outcome && event.outcome !== 'resolved') {
        await db('outreaches')
          .where({ id: o.id })
          .update({ outcome_detail: db.raw(`coalesce(outcome_detail, '{}'::jsonb) || ?::jsonb`, [JSON.stringify({ reportedOutcome: event.outcome, crmStatus: event.status ?? null })]) });
      }
      let alreadyResolved = false;
      try {
        const alert = await changeAlertStatus(db, o.escalation.alertId, 'resolve', `crm:${event.closedBy ?? 'salesforce'}`, event.note ?? `case ${event.caseId} closed in the CRM`, deps.audit);
        platformMetrics.alertTransitions.inc({ to: alert.status, type: alert.type, severity: alert.severity });
        await journeys.notifyAlertStatus(alert.workflowId, alert.id, alert.status);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        alreadyResolved = true;
      }
      status = 200;
      body = { eventId: event.eventId, caseId: event.caseId, alertId: o.escalation.alertId, outreachId: o.id, alreadyResolved };
    }
    await db('webhook_receipts')
      .insert({ source: 'crm', key: event.eventId, payload_hash: hash, result: JSON.stringify({ status, body }) })
      .onConflict(['source', 'key'])
      .ignore();
    res.status(status).json({ ...body, duplicate: false });
  });

  return router;
}
