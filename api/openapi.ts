// The OpenAPI document, generated from the same zod schemas that validate requests. Every operation
// says who may call it: `security` and `x-required-role` (an API key role, or how a public endpoint
// authenticates itself). The hostile-request test walks this document.
import { z } from 'zod';
import type { Role } from '../domain/access';
import { ApiKeyRequestSchema } from './routes/keys';
import { AlertActionSchema, SignalBatchSchema, SignalSchema } from './schemas';
import { CrmEventSchema, CustomerProfileSchema, SurveyAnswerSchema } from './outreach-schemas';

/** How an operation is authorised: an API key with this role, or one of the public ways. */
export type Access = Role | 'crm-token' | 'twilio-signature' | 'survey-link' | 'public';

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } });
const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const query = (name: string, schema: object = { type: 'string' }) => ({ name, in: 'query', schema });
const alertFilters = ['status', 'type', 'severity', 'customerId'].map((name) => query(name));
const auditFilters = [
  query('customerId'),
  query('from', { type: 'string', format: 'date-time' }),
  query('to', { type: 'string', format: 'date-time' }),
  query('limit', { type: 'integer', minimum: 1, maximum: 1000 }),
  query('cursor'),
];

const SECURITY: Record<Access, object[]> = {
  ingest: [{ apiKey: [] }],
  operator: [{ apiKey: [] }],
  admin: [{ apiKey: [] }],
  'crm-token': [{ crmToken: [] }],
  'twilio-signature': [{ twilioSignature: [] }],
  'survey-link': [],
  public: [],
};

/** An operation with its access declared and the answers every such operation can give. */
function op(access: Access, spec: { summary: string; responses: Record<number, object>; [k: string]: unknown }) {
  const common: Record<number, object> =
    access === 'public'
      ? {}
      : access === 'survey-link'
        ? { 400: error('Invalid input'), 429: error('Too many requests from this address (Retry-After)') }
        : access === 'crm-token' || access === 'twilio-signature'
          ? { 400: error('Invalid input'), 401: error('Missing or wrong credentials'), 403: error('Not accepted'), 429: error('Too many requests from this address (Retry-After)') }
          : {
              400: error('Invalid input: each field and why'),
              401: error('No API key, or an unknown or revoked one'),
              403: error(`The key lacks the ${access} role, or may not touch this customer`),
              429: error('Too many requests for this key (Retry-After)'),
            };
  return { ...spec, security: SECURITY[access], 'x-required-role': access, responses: { ...common, ...spec.responses } };
}

let cached: object | undefined;

export function openApiDocument() {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Engagement platform API',
      version: '1.0.0',
      description:
        'Ingest customer signals, watch alerts, steer journeys. Every /v1 operation except the webhooks and the survey needs an API key (`Authorization: Bearer <key>`) whose role is in `x-required-role`: ingest, operator or admin (an admin may do everything).',
    },
    paths: {
      '/v1/signals': {
        post: op('ingest', {
          summary: 'Ingest one signal',
          requestBody: { required: true, content: json(SignalSchema) },
          responses: { 202: ok('Recorded; analysed asynchronously. Body: {signalId, workflowId, duplicate}'), 409: error('Idempotency conflict'), 413: error('Body too large') },
        }),
      },
      '/v1/signals/batch': {
        post: op('ingest', {
          summary: 'Ingest up to MAX_BATCH_SIZE signals',
          requestBody: { required: true, content: json(SignalBatchSchema) },
          responses: { 202: ok('Per-item results'), 413: error('Body too large') },
        }),
      },
      '/v1/signals/{id}': { get: op('operator', { summary: 'A signal and its analysis', parameters: [idParam('id')], responses: { 200: ok('{signal, analysis}'), 404: error('No such signal') } }) },
      '/v1/alerts': {
        get: op('operator', {
          summary: 'List alerts, newest first',
          parameters: [...alertFilters, query('limit', { type: 'integer' }), query('cursor')],
          responses: { 200: ok('{items, nextCursor}') },
        }),
      },
      '/v1/alerts/counts': { get: op('operator', { summary: 'Alert counts by type and severity', parameters: alertFilters, responses: { 200: ok('{total, byType, bySeverity}') } }) },
      '/v1/alerts/stream': {
        get: op('operator', {
          summary: 'Server-sent events: alert.created, alert.acknowledged, alert.resolved, alert.suppressed',
          parameters: [...alertFilters, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } }],
          responses: { 200: { description: 'text/event-stream' } },
        }),
      },
      '/v1/alerts/{id}': { get: op('operator', { summary: 'An alert with recommended action and timeline', parameters: [idParam('id')], responses: { 200: ok('Alert'), 404: error('No such alert') } }) },
      '/v1/alerts/{id}/acknowledge': {
        post: op('operator', {
          summary: 'active → acknowledged (the actor is the key’s name)',
          parameters: [idParam('id')],
          requestBody: { content: json(AlertActionSchema) },
          responses: { 200: ok('Alert'), 404: error('No such alert'), 409: error('Not allowed from the current status') },
        }),
      },
      '/v1/alerts/{id}/resolve': {
        post: op('operator', {
          summary: 'active|acknowledged → resolved (the actor is the key’s name)',
          parameters: [idParam('id')],
          requestBody: { content: json(AlertActionSchema) },
          responses: { 200: ok('Alert'), 404: error('No such alert'), 409: error('Not allowed from the current status') },
        }),
      },
      '/v1/customers': {
        get: op('operator', {
          summary: 'Customers by risk segment and tier, in id order',
          parameters: [query('segment'), query('tier'), query('limit', { type: 'integer' }), query('cursor')],
          responses: { 200: ok('{items: [{id, segment, segmentVersion, segmentAt, tier, score, jurisdiction, customerType}], nextCursor}') },
        }),
      },
      '/v1/segments': {
        get: op('operator', { summary: 'Risk segments: versioned criteria, customers per segment, NPS per segment', responses: { 200: ok('{version, items}') } }),
      },
      '/v1/customers/{id}': {
        get: op('operator', { summary: 'Customer, contact profile and live risk profile', parameters: [idParam('id')], responses: { 200: ok('Customer'), 404: error('No such customer') } }),
        put: op('admin', {
          summary: 'Replace the contact profile and consents (a STOP opt-out survives it)',
          parameters: [idParam('id')],
          requestBody: { required: true, content: json(CustomerProfileSchema) },
          responses: { 200: ok('Profile'), 201: ok('Profile created'), 409: error('externalId belongs to another customer') },
        }),
        delete: op('admin', {
          summary: 'Erase the customer: workflows ended, personal data deleted everywhere, data keys destroyed, CRM asked; idempotent',
          parameters: [idParam('id')],
          responses: { 200: ok('{status: "erased", pseudonym, erasedAt, alreadyErased, summary}'), 404: error('No such customer, and none erased') },
        }),
      },
      '/codec/decode': {
        post: op('operator', {
          summary: 'Payload codec for the Temporal Web UI and CLI: decrypt payloads ({payloads: [{metadata, data}]}, bytes in base64)',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { payloads: { type: 'array' } } } } } },
          responses: { 200: ok('{payloads}'), 410: error('A data key was destroyed: its customer was erased') },
        }),
      },
      '/codec/encode': {
        post: op('operator', {
          summary: 'Payload codec: encrypt payloads (with the system key: no workflow context)',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { payloads: { type: 'array' } } } } } },
          responses: { 200: ok('{payloads}') },
        }),
      },
      '/v1/customers/{id}/signals': {
        get: op('operator', {
          summary: 'The customer’s newest signals with their analyses (score, tier, contributions), oldest first: the risk score over time',
          parameters: [idParam('id'), query('limit', { type: 'integer', minimum: 1, maximum: 500 })],
          responses: { 200: ok('{items: [{signal, analysis, analysisWithheld}], nextCursor: null}'), 404: error('No such customer') },
        }),
      },
      '/v1/customers/{id}/outreach': {
        get: op('operator', { summary: 'Outreach runs with messages, answer and outcome (survey links only for admin keys)', parameters: [idParam('id')], responses: { 200: ok('{items, nextCursor}'), 404: error('No such customer') } }),
      },
      '/v1/outbox': {
        get: op('operator', {
          summary: 'Messages and cases recorded instead of sent (no provider credentials); survey links only for admin keys',
          parameters: [query('customerId'), query('limit', { type: 'integer' })],
          responses: { 200: ok('{items, nextCursor}') },
        }),
      },
      '/v1/outreach/kpis': { get: op('operator', { summary: 'Engagement rate, escalations, median time to resolution', responses: { 200: ok('KPIs') } }) },
      '/v1/kpis': {
        get: op('operator', {
          summary: 'KPIs per UTC day and over the range (default the last 30 days, at most 366): negative feedback, alerts and times to acknowledge/resolve, CSAT/NPS, engagement of contacted at-risk customers, recovered/churned outcomes; open alerts and risk tiers now',
          parameters: [query('from', { type: 'string', format: 'date' }), query('to', { type: 'string', format: 'date' }), query('segment')],
          responses: { 200: ok('{from, to, segment, totals, days: [{day, ...}], openAlerts: {total, byType, bySeverity}, riskTiers}') },
        }),
      },
      '/v1/notifications': {
        get: op('operator', {
          summary: 'Notifications sent to people (escalation levels, subscribed alert types), newest first, with each channel\'s state (console, webhook, email)',
          parameters: [query('alertId'), query('customerId'), query('limit', { type: 'integer', minimum: 1, maximum: 200 })],
          responses: { 200: ok('{items: [{id, key, alertId, customerId, alertType, severity, level, recipient, text, link, channels, createdAt}], nextCursor}') },
        }),
      },
      '/v1/keys': {
        post: op('admin', {
          summary: 'Create an API key; the key is in this answer only',
          requestBody: { required: true, content: json(ApiKeyRequestSchema) },
          responses: { 201: ok('{id, key, name, role, prefix, customerIds, upstreamAnalysis, createdAt}') },
        }),
        get: op('admin', { summary: 'API keys (never the keys themselves)', responses: { 200: ok('{items, nextCursor}') } }),
      },
      '/v1/keys/{id}': {
        delete: op('admin', { summary: 'Revoke a key (at once in this process, within 5 s in others)', parameters: [idParam('id')], responses: { 200: ok('The revoked key'), 404: error('No such key'), 409: error('The last admin key') } }),
      },
      '/v1/audit': {
        get: op('admin', {
          summary: 'The audit trail, oldest first: automated decisions and human actions; customers by pseudonym only (a key limited to customers sees only theirs)',
          parameters: auditFilters,
          responses: { 200: ok('{items: [{id, at, actor, action, subject, data, prevHash, hash}], nextCursor}') },
        }),
      },
      '/v1/audit/export': {
        get: op('admin', {
          summary: 'The same entries as JSON lines (application/x-ndjson), all pages',
          parameters: auditFilters.filter((p) => p.name !== 'limit' && p.name !== 'cursor'),
          responses: { 200: { description: 'application/x-ndjson: one entry per line' } },
        }),
      },
      '/v1/surveys/{token}': {
        get: op('survey-link', { summary: 'The survey behind a signed link', parameters: [idParam('token')], responses: { 200: ok('Survey'), 404: error('Forged or unknown link'), 410: error('Expired link') } }),
        post: op('survey-link', {
          summary: 'Answer it (once)',
          parameters: [idParam('token')],
          requestBody: { required: true, content: json(SurveyAnswerSchema) },
          responses: { 201: ok('Answer'), 404: error('Forged or unknown link'), 409: error('Already answered'), 410: error('Expired link') },
        }),
      },
      '/s/{token}': {
        get: op('survey-link', { summary: 'Survey page (HTML, no JavaScript)', parameters: [idParam('token')], responses: { 200: { description: 'HTML form' }, 404: { description: 'HTML' }, 410: { description: 'HTML' } } }),
        post: op('survey-link', { summary: 'Answer from the page (form) or as JSON', parameters: [idParam('token')], responses: { 200: { description: 'HTML' }, 201: ok('Answer (JSON)') } }),
      },
      '/v1/webhooks/twilio/sms': { post: op('twilio-signature', { summary: 'Inbound SMS (X-Twilio-Signature)', responses: { 200: { description: 'TwiML' } } }) },
      '/v1/webhooks/twilio/status': { post: op('twilio-signature', { summary: 'Delivery status callback (X-Twilio-Signature)', responses: { 200: ok('{duplicate}') } }) },
      '/v1/webhooks/crm': {
        post: op('crm-token', {
          summary: 'CRM event: start/signal a journey, or report a case closed (Bearer CRM_WEBHOOK_TOKEN)',
          requestBody: { required: true, content: json(CrmEventSchema) },
          responses: { 200: ok('Case closure applied'), 202: ok('Signal accepted'), 404: error('Unknown case'), 409: error('Idempotency conflict') },
        }),
      },
      '/healthz': { get: op('public', { summary: 'Liveness', responses: { 200: ok('ok') } }) },
      '/readyz': { get: op('public', { summary: 'Ready when the database and Temporal answer (no error details)', responses: { 200: ok('ready'), 503: ok('not ready') } }) },
      '/metrics': { get: op('public', { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } }) },
      '/openapi.json': { get: op('public', { summary: 'This document', responses: { 200: ok('OpenAPI 3.1') } }) },
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (POST /v1/keys, `npm run keys`); its role must be the operation’s x-required-role or admin.' },
        crmToken: { type: 'http', scheme: 'bearer', description: 'CRM_WEBHOOK_TOKEN (at least 32 characters).' },
        twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: 'HMAC-SHA1 of PUBLIC_BASE_URL + path and the form, with TWILIO_AUTH_TOKEN.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
              },
            },
          },
        },
      },
    },
  };
  return cached;
}
