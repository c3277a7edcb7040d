// Request shapes of the public API (DESIGN.md §3). The OpenAPI document is generated from these.
import { z } from 'zod';
import { ALERT_STATUSES, ALERT_TYPES, RISK_TIERS, SEVERITIES, SIGNAL_TYPES } from '../domain/types';

const slug = z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a slug of 1-64 characters a-z, 0-9 or _');
const unit = z.number().min(0).max(1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

export const UpstreamAnalysisSchema = z.strictObject({
  sentiment: z.number().min(-1).max(1).optional(),
  churn: unit.optional(),
  escalation: unit.optional(),
  legal: unit.optional(),
  reputation: unit.optional(),
  financial: unit.optional(),
  legalThreat: z.boolean().optional(),
  tier: z.enum(RISK_TIERS).optional(),
  rootCause: slug.optional(),
});

export const SignalSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:\-]{1,128}$/, 'must be 1-128 characters A-Z, a-z, 0-9, ".", "_", ":" or "-"')
    .optional()
    .describe('Idempotency key: the same id again is accepted once and never processed twice.'),
  customerId: z.string().regex(/^[A-Za-z0-9._:@\-]{1,128}$/, 'must be 1-128 characters A-Z, a-z, 0-9, ".", "_", ":", "@" or "-"'),
  type: z.enum(SIGNAL_TYPES),
  channel: z.string().min(1).max(64).optional(),
  text: z.string().max(20_000).optional(),
  language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be an ISO 639-1 code such as "en" or "de"').optional(),
  occurredAt: z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) <= Date.now() + MAX_FUTURE_MS, 'must not be more than a day in the future')
    .optional(),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  rootCause: slug.optional(),
  analysis: UpstreamAnalysisSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type SignalBody = z.infer<typeof SignalSchema>;

export const SignalBatchSchema = z.strictObject({ signals: z.array(SignalSchema).min(1) });

export const AlertQuerySchema = z.strictObject({
  status: z.enum(ALERT_STATUSES).default('active'),
  type: z.enum(ALERT_TYPES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export const AlertCountsQuerySchema = AlertQuerySchema.pick({ status: true, type: true, severity: true, customerId: true }).extend({
  status: z.enum(ALERT_STATUSES).optional(),
});

export const AlertActionSchema = z.strictObject({
  actor: z.string().min(1).max(200),
  note: z.string().max(5000).optional(),
});
