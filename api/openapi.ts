// The OpenAPI document, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { AlertActionSchema, SignalBatchSchema, SignalSchema } from './schemas';
import { CrmEventSchema, CustomerProfileSchema, SurveyAnswerSchema } from './outreach-schemas';

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } });
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const alertFilters = ['status', 'type', 'severity', 'customerId'].map((name) => ({ name, in: 'query', schema: { type: 'string' } }));

let cached: object | undefined;

export function openApiDocument() {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Engagement platform API', version: '1.0.0', description: 'Ingest customer signals, watch alerts, steer journeys.' },
    paths: {
      '/v1/signals': {
        post: {
          summary: 'Ingest one signal',
          requestBody: { required: true, content: json(SignalSchema) },
          responses: { 202: ok('Recorded; analysed asynchronously. Body: {signalId, workflowId, duplicate}'), 400: error, 409: error, 413: error },
        },
      },
      '/v1/signals/batch': {
        post: {
          summary: 'Ingest up to MAX_BATCH_SIZE signals',
          requestBody: { required: true, content: json(SignalBatchSchema) },
          responses: { 202: ok('Per-item results'), 400: error, 413: error },
        },
      },
      '/v1/signals/{id}': { get: { summary: 'A signal and its analysis', parameters: [idParam('id')], responses: { 200: ok('{signal, analysis}'), 404: error } } },
      '/v1/alerts': {
        get: {
          summary: 'List alerts, newest first',
          parameters: [...alertFilters, { name: 'limit', in: 'query', schema: { type: 'integer' } }, { name: 'cursor', in: 'query', schema: { type: 'string' } }],
          responses: { 200: ok('{items, nextCursor}'), 400: error },
        },
      },
      '/v1/alerts/counts': { get: { summary: 'Alert counts by type and severity', parameters: alertFilters, responses: { 200: ok('{total, byType, bySeverity}') } } },
      '/v1/alerts/{id}': { get: { summary: 'An alert with recommended action and timeline', parameters: [idParam('id')], responses: { 200: ok('Alert'), 404: error } } },
      '/v1/alerts/{id}/acknowledge': {
        post: { summary: 'active → acknowledged', parameters: [idParam('id')], requestBody: { content: json(AlertActionSchema) }, responses: { 200: ok('Alert'), 404: error, 409: error } },
      },
      '/v1/alerts/{id}/resolve': {
        post: { summary: 'active|acknowledged → resolved', parameters: [idParam('id')], requestBody: { content: json(AlertActionSchema) }, responses: { 200: ok('Alert'), 404: error, 409: error } },
      },
      '/v1/customers/{id}': {
        get: { summary: 'Customer, contact profile and live risk profile', parameters: [idParam('id')], responses: { 200: ok('Customer'), 404: error } },
        put: {
          summary: 'Replace the contact profile (a STOP opt-out survives it)',
          parameters: [idParam('id')],
          requestBody: { required: true, content: json(CustomerProfileSchema) },
          responses: { 200: ok('Profile'), 201: ok('Profile created'), 400: error, 409: error },
        },
      },
      '/v1/customers/{id}/outreach': { get: { summary: 'Outreach runs with messages, answer and outcome', parameters: [idParam('id')], responses: { 200: ok('{items, nextCursor}'), 404: error } } },
      '/v1/outbox': { get: { summary: 'Messages and cases recorded instead of sent (no provider credentials)', responses: { 200: ok('{items, nextCursor}') } } },
      '/v1/outreach/kpis': { get: { summary: 'Engagement rate, escalations, median time to resolution', responses: { 200: ok('KPIs') } } },
      '/v1/surveys/{token}': {
        get: { summary: 'The survey behind a signed link', parameters: [idParam('token')], responses: { 200: ok('Survey'), 404: error, 410: error } },
        post: {
          summary: 'Answer it (once)',
          parameters: [idParam('token')],
          requestBody: { required: true, content: json(SurveyAnswerSchema) },
          responses: { 201: ok('Answer'), 400: error, 404: error, 409: error, 410: error },
        },
      },
      '/s/{token}': { get: { summary: 'Survey page (HTML, no JavaScript)', parameters: [idParam('token')], responses: { 200: { description: 'HTML form' }, 404: error, 410: error } } },
      '/v1/webhooks/twilio/sms': { post: { summary: 'Inbound SMS (X-Twilio-Signature)', responses: { 200: { description: 'TwiML' }, 403: error } } },
      '/v1/webhooks/twilio/status': { post: { summary: 'Delivery status callback (X-Twilio-Signature)', responses: { 200: ok('{duplicate}'), 403: error } } },
      '/v1/webhooks/crm': {
        post: {
          summary: 'CRM event: start/signal a journey, or report a case closed (Bearer CRM_WEBHOOK_TOKEN)',
          requestBody: { required: true, content: json(CrmEventSchema) },
          responses: { 200: ok('Case closure applied'), 202: ok('Signal accepted'), 400: error, 401: error, 403: error, 404: error, 409: error },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: ok('ok') } } },
      '/readyz': { get: { summary: 'Ready when the database and Temporal answer', responses: { 200: ok('ready'), 503: ok('not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
    },
    components: {
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
