// Risk components, composite score and tier. Pure and documented in README "Risk model".
import type { RecentHistory } from './history';
import { EMPTY_HISTORY } from './history';
import type {
  Contribution,
  RiskComponent,
  SignalAnalysis,
  RiskComponents,
  RiskTier,
  SentimentLabel,
  SignalType,
  UpstreamAnalysis,
} from './types';
import { RISK_COMPONENTS } from './types';

/** What the text models say about a signal's text (structurally the analysis/ TextAnalysis). */
export interface TextFindings {
  language: string;
  sentiment: number;
  label: SentimentLabel;
  rootCause: string;
  legalThreat: boolean;
  legalScore: number;
  /** [0, 1]: the writer states an intent to leave (analysis/churn.ts). Absent = 0 (older producers). */
  churnIntent?: number;
  cues: string[];
}

export interface RiskInput {
  text: TextFindings | null;
  signalType: SignalType | string;
  channel?: string | null;
  rootCause?: string | null;
  history?: RecentHistory;
  upstream?: UpstreamAnalysis | null;
}

/** The analysis without what only the caller knows (language, model version, source). */
export type RiskAssessment = Omit<SignalAnalysis, 'language' | 'modelVersion' | 'source'> & {
  /** Which values came from an upstream system instead of our models. */
  upstreamFields: string[];
};

/** Tier cut-offs on the composite score: score >= cut-off gives the tier. */
export const TIER_CUTOFFS: Readonly<Record<Exclude<RiskTier, 'low'>, number>> = {
  moderate: 0.35,
  high: 0.6,
  critical: 0.85,
};

/** Weights of the components in the composite's mean part. */
export const COMPONENT_WEIGHTS: Readonly<RiskComponents> = {
  churn: 0.3,
  escalation: 0.2,
  legal: 0.2,
  reputation: 0.15,
  financial: 0.15,
};

/**
 * Text parts of the churn component. A stated intent (analysis/churn.ts, 0.75–0.95) alone gives
 * churn 0.71–0.9, so a plainly stated intent passes churn_signal's calm path (churn > 0.8,
 * domain/rules.ts) and a hedged one ("thinking about switching") needs some negativity too.
 */
export const CHURN_WEIGHTS = {
  /** churn += intent × this when the text states an intent to leave. */
  intent: 0.95,
  /** Intent scores below this are not counted (third parties, negated statements score 0). */
  intentMin: 0.5,
  /** churn += negativity × this (negativity = max(0, −sentiment)). */
  negativity: 0.4,
  /** churn += this when the root cause is `cancellation` but no intent is stated ("my flight was cancelled"). */
  cancellationTopic: 0.1,
} as const;

const PUBLIC_TYPES = new Set(['review', 'social_post']);
const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
const round = (x: number) => Math.round(x * 1000) / 1000;

export function tierFor(score: number): RiskTier {
  if (score >= TIER_CUTOFFS.critical) return 'critical';
  if (score >= TIER_CUTOFFS.high) return 'high';
  if (score >= TIER_CUTOFFS.moderate) return 'moderate';
  return 'low';
}

export function labelFor(sentiment: number): SentimentLabel {
  if (sentiment <= -0.2) return 'negative';
  if (sentiment >= 0.2) return 'positive';
  return 'neutral';
}

type Reasons = Record<RiskComponent, string[]>;

/**
 * Combines what the text says with what the customer does. Each component adds up
 * named parts so the contributions can say in plain words why the score is what it is.
 */
export function assessRisk(input: RiskInput): RiskAssessment {
  const up = input.upstream ?? {};
  const history = input.history ?? EMPTY_HISTORY;
  const type = input.signalType;
  const sentiment = up.sentiment ?? input.text?.sentiment ?? 0;
  const legalThreat = up.legalThreat ?? input.text?.legalThreat ?? false;
  const rootCause = up.rootCause ?? input.rootCause ?? input.text?.rootCause ?? null;
  const neg = Math.max(0, -sentiment);
  const isPublic = PUBLIC_TYPES.has(type);

  const reasons: Reasons = { churn: [], escalation: [], legal: [], reputation: [], financial: [] };
  const parts: RiskComponents = { churn: 0, escalation: 0, legal: 0, reputation: 0, financial: 0 };
  const add = (c: RiskComponent, amount: number, why: string) => {
    if (amount <= 0) return;
    parts[c] += amount;
    reasons[c].push(why);
  };

  // Churn: leaving is said in words or shown by acts. Negativity alone stays below
  // CHURN_WEIGHTS.negativity + topic (≤ 0.5), so an ordinary complaint without a stated intent
  // does not reach the churn_signal threshold by wording alone; a stated intent does.
  const intent = input.text?.churnIntent ?? 0;
  if (type === 'cancellation_request') add('churn', 0.8, 'asked to cancel');
  if (type === 'payment_failed') add('churn', 0.3, 'payment failed');
  if (type === 'transaction_failed') add('churn', 0.2, 'transaction failed');
  if (type === 'session_error') add('churn', 0.1, 'app error');
  if (intent >= CHURN_WEIGHTS.intentMin) add('churn', CHURN_WEIGHTS.intent * intent, 'states an intent to leave');
  add('churn', CHURN_WEIGHTS.negativity * neg, `negative wording (sentiment ${round(sentiment)})`);
  if (rootCause === 'cancellation' && intent < CHURN_WEIGHTS.intentMin) add('churn', CHURN_WEIGHTS.cancellationTopic, 'talks about cancelling');
  add('churn', Math.min(0.3, 0.1 * history.complaints7d), `${ordinal(history.complaints7d + 1)} complaint in 7 days`);
  if (history.failedPayments30d >= 2) add('churn', 0.1, `${history.failedPayments30d} failed payments in 30 days`);
  if (history.sessionErrors24h >= 3) add('churn', 0.1, `${history.sessionErrors24h} app errors in 24 hours`);

  // Escalation: the customer is likely to push this further.
  add('escalation', 0.45 * neg, 'negative wording');
  if (type === 'support_ticket' || type === 'chat') add('escalation', 0.15, 'contacted support');
  add('escalation', Math.min(0.4, 0.15 * history.complaints7d), `${history.complaints7d} earlier complaint(s) in 7 days`);
  add('escalation', Math.min(0.2, 0.05 * history.tickets30d), `${history.tickets30d} ticket(s) in 30 days`);
  if (legalThreat) add('escalation', 0.3, 'threatens legal steps');

  // Legal: an explicit threat dominates; otherwise the text model's legal score.
  if (legalThreat) add('legal', Math.max(0.9, input.text?.legalScore ?? 0), 'explicit legal threat');
  else add('legal', 0.7 * (input.text?.legalScore ?? 0), 'legal wording');

  // Reputation: negativity said in public weighs double.
  add('reputation', neg * (isPublic ? 0.9 : 0.45), isPublic ? 'negative and public' : 'negative');
  if (isPublic && legalThreat) add('reputation', 0.1, 'public legal threat');

  // Financial: money already at stake.
  if (type === 'payment_failed') add('financial', 0.6, 'payment failed');
  if (type === 'transaction_failed') add('financial', 0.5, 'transaction failed');
  if (type === 'cancellation_request') add('financial', 0.5, 'revenue at risk from cancellation');
  if (rootCause === 'billing_payment' || rootCause === 'pricing') add('financial', 0.3, `about ${rootCause.replace('_', ' & ')}`);
  add('financial', 0.15 * neg, 'negative wording');
  add('financial', Math.min(0.2, 0.1 * history.failedPayments30d), `${history.failedPayments30d} failed payment(s) in 30 days`);

  const upstreamFields: string[] = [];
  const risk = {} as RiskComponents;
  for (const c of RISK_COMPONENTS) {
    const given = up[c];
    if (given !== undefined) {
      risk[c] = round(given);
      reasons[c] = ['set by upstream system'];
      upstreamFields.push(c);
    } else {
      risk[c] = round(clamp01(parts[c]));
    }
  }
  for (const f of ['sentiment', 'legalThreat', 'rootCause', 'tier'] as const) if (up[f] !== undefined) upstreamFields.push(f);

  // Composite: the worst component counts most, the weighted mean keeps breadth visible.
  const max = Math.max(...RISK_COMPONENTS.map((c) => risk[c]));
  const top = RISK_COMPONENTS.find((c) => risk[c] === max)!;
  const weightSum = RISK_COMPONENTS.reduce((s, c) => s + COMPONENT_WEIGHTS[c], 0);
  const contributions: Contribution[] = RISK_COMPONENTS.map((c) => {
    const share = (0.4 * COMPONENT_WEIGHTS[c] * risk[c]) / weightSum + (c === top ? 0.6 * max : 0);
    return {
      factor: c,
      weight: round(share),
      explanation: `${c} risk ${risk[c].toFixed(2)}${reasons[c].length ? ': ' + reasons[c].join('; ') : ''}`,
    };
  })
    .filter((x) => x.weight > 0)
    .sort((a, b) => b.weight - a.weight);
  if (input.text?.cues.length) {
    contributions.push({ factor: 'text', weight: 0, explanation: `text: ${input.text.cues.join('; ')}` });
  }
  const score = round(clamp01(0.6 * max + (0.4 * RISK_COMPONENTS.reduce((s, c) => s + COMPONENT_WEIGHTS[c] * risk[c], 0)) / weightSum));

  return {
    sentiment: round(sentiment),
    label: up.sentiment !== undefined ? labelFor(sentiment) : input.text?.label ?? labelFor(sentiment),
    rootCause,
    legalThreat,
    risk,
    score,
    tier: up.tier ?? tierFor(score),
    contributions,
    upstreamFields,
  };
}

function ordinal(n: number): string {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}
