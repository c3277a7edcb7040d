// The platform's vocabulary. Pure: no I/O, safe inside the workflow sandbox.

export const SIGNAL_TYPES = [
  'feedback',
  'review',
  'chat',
  'support_ticket',
  'survey_response',
  'social_post',
  'transaction_failed',
  'payment_failed',
  'session_error',
  'login',
  'cancellation_request',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical', 'crisis'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RISK_TIERS = ['low', 'moderate', 'high', 'critical'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const RISK_COMPONENTS = ['churn', 'escalation', 'legal', 'reputation', 'financial'] as const;
export type RiskComponent = (typeof RISK_COMPONENTS)[number];
export type RiskComponents = Record<RiskComponent, number>;

export const PER_SIGNAL_ALERT_TYPES = [
  'churn_signal',
  'legal_threat',
  'critical_escalation',
  'high_risk_compound',
] as const;
export const WINDOW_ALERT_TYPES = ['volume_spike', 'sentiment_cliff', 'geo_concentration'] as const;
// processing_failed: signals a journey could not process after its retries, set aside for operators.
export const ALERT_TYPES = [...PER_SIGNAL_ALERT_TYPES, ...WINDOW_ALERT_TYPES, 'outreach_escalation', 'processing_failed'] as const;
export type PerSignalAlertType = (typeof PER_SIGNAL_ALERT_TYPES)[number];
export type AlertType = (typeof ALERT_TYPES)[number];

export const ALERT_STATUSES = ['active', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Scores an upstream system already computed; any subset may be given. */
export interface UpstreamAnalysis {
  sentiment?: number;
  churn?: number;
  escalation?: number;
  legal?: number;
  reputation?: number;
  financial?: number;
  legalThreat?: boolean;
  tier?: RiskTier;
  rootCause?: string;
}

/** A signal as accepted by the API and handed to the customer's journey. */
export interface CustomerSignal {
  id: string;
  customerId: string;
  type: SignalType;
  channel: string | null;
  text: string | null;
  language: string | null;
  occurredAt: string; // ISO-8601
  location: GeoPoint | null;
  rootCause: string | null;
  analysis: UpstreamAnalysis | null;
  metadata: Record<string, unknown> | null;
}

export interface Contribution {
  factor: string;
  weight: number;
  explanation: string;
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

/** What the analysis step concludes about one signal (DESIGN.md §3). */
export interface SignalAnalysis {
  language: string | null;
  sentiment: number;
  label: SentimentLabel;
  rootCause: string | null;
  legalThreat: boolean;
  risk: RiskComponents;
  score: number;
  tier: RiskTier;
  contributions: Contribution[];
  modelVersion: string;
  source: 'model' | 'upstream';
}
