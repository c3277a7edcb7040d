// Request shapes of the public API (DESIGN.md §3). The OpenAPI document is generated from these.
import { z } from 'zod';
import { ALERT_STATUSES, ALERT_TYPES, RISK_TIERS, SEVERITIES, SIGNAL_TYPES } from '../domain/types';
import { CUSTOMER_ID, CUSTOMER_ID_RULE, SIGNAL_ID, SIGNAL_ID_RULE } from '../domain/ids';
import { DEFAULT_OCCURRED_AT_BOUNDS, metadataProblems, occurredAtProblem, type OccurredAtBounds } from '../domain/input-limits';

const slug = z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a slug of 1-64 characters a-z, 0-9 or _');
const unit = z.number().min(0).max(1);

/** The customer-id rule, the same wherever a customer id or a CRM external id comes in. */
export const customerIdSchema = z.string().regex(CUSTOMER_ID, CUSTOMER_ID_RULE);

/** An ISO-8601 instant within the configured bounds around now (checked when parsed). */
export function occurredAtSchema(bounds: OccurredAtBounds = DEFAULT_OCCURRED_AT_BOUNDS) {
  return z.iso.datetime({ offset: true }).superRefine((v, ctx) => {
    const problem = occurredAtProblem(v, bounds);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const metadataSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  for (const p of metadataProblems(v)) ctx.addIssue({ code: 'custom', message: p.reason, path: p.path });
});

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

/** Signal and batch shapes with `occurredAt` held to these bounds. */
export function signalSchemas(bounds: OccurredAtBounds = DEFAULT_OCCURRED_AT_BOUNDS) {
  const signal = z.strictObject({
    id: z
      .string()
      .regex(SIGNAL_ID, SIGNAL_ID_RULE)
      .optional()
      .describe(
        'Idempotency key: the same id again is accepted once and never processed twice. Ids the platform makes itself (survey/…, crm/…, sms/…) contain "/" and so can never be taken.',
      ),
    customerId: customerIdSchema,
    type: z.enum(SIGNAL_TYPES),
    channel: z.string().min(1).max(64).optional(),
    text: z.string().max(20_000).optional(),
    language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'must be an ISO 639-1 code such as "en" or "de"').optional(),
    occurredAt: occurredAtSchema(bounds)
      .optional()
      .describe(`Default now; at most OCCURRED_AT_MAX_FUTURE_MINUTES (default ${DEFAULT_OCCURRED_AT_BOUNDS.maxFutureMinutes}) in the future and OCCURRED_AT_HORIZON_DAYS (default ${DEFAULT_OCCURRED_AT_BOUNDS.horizonDays}) in the past.`),
    location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
    rootCause: slug.optional(),
    analysis: UpstreamAnalysisSchema.optional(),
    metadata: metadataSchema.optional().describe('Free JSON: at most 4 levels deep, 100 keys and 8 KiB.'),
  });
  return { SignalSchema: signal, SignalBatchSchema: z.strictObject({ signals: z.array(signal).min(1) }) };
}

export const { SignalSchema, SignalBatchSchema } = signalSchemas();
export type SignalBody = z.infer<typeof SignalSchema>;

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
  actor: z.string().max(200).optional().describe('Ignored (kept for older clients): who acted is the name of the API key.'),
  note: z.string().max(5000).optional(),
});
