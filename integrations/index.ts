// Builds the outbound integrations from configuration; without credentials, the outbox stands in.
import type { Config } from '../config';
import type { Db } from '../db';
import { OutboxCrm, type CrmCases } from './crm';
import { SalesforceCrm } from './salesforce';
import { OutboxSms, TwilioSms, type SmsSender } from './sms';

export interface Integrations {
  sms: SmsSender;
  crm: CrmCases;
}

export function createIntegrations(config: Pick<Config, 'twilio' | 'salesforce'>, db: Db): Integrations {
  return {
    sms: config.twilio ? new TwilioSms(config.twilio) : new OutboxSms(db),
    crm: config.salesforce ? new SalesforceCrm(config.salesforce) : new OutboxCrm(db),
  };
}

/** Lines for the start-up banner: which mode each integration runs in, and what is unsafe. */
export function describeIntegrations(config: Config): string[] {
  const lines = [
    config.twilio
      ? `SMS:             Twilio (account ${config.twilio.accountSid.slice(0, 6)}…, from ${config.twilio.from}${config.twilio.baseUrl ? `, API at ${config.twilio.baseUrl}` : ''})`
      : 'SMS:             outbox table (no TWILIO_* credentials): messages are recorded, not sent; see GET /v1/outbox',
    config.salesforce
      ? `CRM cases:       Salesforce at ${config.salesforce.instanceUrl} (API v${config.salesforce.apiVersion})`
      : 'CRM cases:       outbox table (no SALESFORCE_* credentials): cases are recorded, not created',
    `Outreach:        ${config.outreach ? 'on' : 'off (OUTREACH_ENABLED=false)'}; survey links and webhooks at ${config.publicBaseUrl}`,
    `CRM webhook:     ${config.crmWebhookToken ? 'POST /v1/webhooks/crm (bearer token set)' : 'disabled (CRM_WEBHOOK_TOKEN unset)'}`,
  ];
  if (config.survey.isDevSecret) lines.push('WARNING:         SURVEY_SECRET unset: survey links are signed with a public development secret');
  return lines;
}
