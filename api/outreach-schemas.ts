// Request shapes of the outreach, survey and webhook endpoints.
import { z } from 'zod';
import { isValidTimeZone } from '../domain/outreach';
import { CUSTOMER_TYPES } from '../domain/segments';
import { SIGNAL_TYPES } from '../domain/types';
import type { OccurredAtBounds } from '../domain/input-limits';
import { customerIdSchema, occurredAtSchema, UpstreamAnalysisSchema } from './schemas';

const slug = z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a slug of 1-64 characters a-z, 0-9 or _');

export const CustomerProfileSchema = z.strictObject({
  externalId: customerIdSchema.nullable().optional().describe('The customer’s id in the CRM (a Salesforce Contact or Account id links cases to it).'),
  name: z.string().min(1).max(200).nullable().optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +4915112345678')
    .nullable()
    .optional(),
  email: z.email('must be an email address').nullable().optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a locale such as "de" or "en-GB"')
    .nullable()
    .optional(),
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').nullable().optional(),
  jurisdiction: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "DE"')
    .nullable()
    .optional()
    .describe('Where the customer’s data is governed (risk segments may use it).'),
  customerType: z.enum(CUSTOMER_TYPES).nullable().optional().describe('consumer or business (risk segments may use it).'),
  consents: z
    .strictObject({
      sms: z.boolean().default(false),
      email: z.boolean().default(false),
      analysis: z.boolean().default(true),
      training: z.boolean().default(false),
    })
    .optional()
    .describe('Consent by purpose: sms and email contact, analysis of what the customer sends, reuse for training models. Defaults: sms, email and training false; analysis true.'),
  consentSource: z
    .string()
    .regex(/^[\p{L}\p{N} ._@:\/+-]{1,100}$/u, 'must be 1-100 letters, digits, spaces or . _ @ : / + -')
    .optional()
    .describe('Where these consents were given (e.g. "crm:salesforce", "web-form:signup"); default: the API key that sends them.'),
});
export type CustomerProfileBody = z.infer<typeof CustomerProfileSchema>;

const surveyComment = z.string().trim().max(2000).optional();

/** A JSON answer: `score` is a whole number 0-10 as a JSON number, nothing coerced. */
export const SurveyAnswerSchema = z.strictObject({
  score: z.number('must be a whole number 0-10').int('must be a whole number 0-10').min(0, 'must be 0-10').max(10, 'must be 0-10'),
  comment: surveyComment,
});

/** The HTML form sends strings: only "0" … "10" are scores. */
export const SurveyFormAnswerSchema = z.strictObject({
  score: z
    .string('must be one of "0" … "10"')
    .regex(/^(?:[0-9]|10)$/, 'must be one of "0" … "10"')
    .transform(Number),
  comment: surveyComment,
});

const eventId = z.string().regex(/^[A-Za-z0-9._:\-]{1,100}$/, 'must be 1-100 characters A-Z, a-z, 0-9, ".", "_", ":" or "-"');

/** CRM events, with `occurredAt` held to these bounds. */
export function crmEventSchema(bounds?: OccurredAtBounds) {
  const customerRef = {
    customerId: customerIdSchema.optional(),
    externalId: customerIdSchema.optional().describe('The customer’s CRM id; an unknown one becomes a new customer of that id.'),
  };
  return z.discriminatedUnion('event', [
    z
      .strictObject({
        eventId,
        event: z.literal('signal'),
        ...customerRef,
        reason: slug.describe('Why the CRM calls, e.g. case_closed_unhappy or renewal_at_risk; becomes the root cause.'),
        signalType: z.enum(SIGNAL_TYPES).default('support_ticket'),
        text: z.string().max(20_000).optional(),
        language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be an ISO 639-1 code such as "en" or "de"').optional(),
        occurredAt: occurredAtSchema(bounds).optional(),
        analysis: UpstreamAnalysisSchema.optional(),
      })
      .refine((e) => e.customerId || e.externalId, { message: 'customerId or externalId is required', path: ['customerId'] }),
    z.strictObject({
      eventId,
      event: z.literal('case_closed'),
      caseId: z.string().min(1).max(64),
      status: z.string().max(64).optional(),
      outcome: z.enum(['recovered', 'churned', 'resolved']).optional(),
      closedBy: z.string().min(1).max(200).optional(),
      note: z.string().max(5000).optional(),
    }),
  ]);
}

export const CrmEventSchema = crmEventSchema();
export type CrmEvent = z.infer<typeof CrmEventSchema>;
