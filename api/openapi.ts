// The OpenAPI document, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { AlertActionSchema, SignalBatchSchema, SignalSchema } from './schemas';

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
      '/v1/customers/{id}': { get: { summary: 'Customer and live risk profile', parameters: [idParam('id')], responses: { 200: ok('Customer'), 404: error } } },
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
