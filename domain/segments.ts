// Risk segments (README "Risk segments"): documented, versioned, rule-based criteria. Each
// definition is data — the conditions it names must all hold — and the first that matches a customer
// is their segment. Changing a definition means a new SEGMENT_CRITERIA_VERSION: every customer is
// then evaluated again (a Temporal Schedule), and each stored segment says which version put it there.
import type { RiskTier, SignalType } from './types';

export const SEGMENT_CRITERIA_VERSION = 'segments-2026-12-02';

export const CUSTOMER_TYPES = ['consumer', 'business'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];
export type Trend = 'rising' | 'steady' | 'falling' | 'unknown';

/** What a segment may look at: nothing but these (no text, no contact data). */
export interface SegmentFeatures {
  tier: RiskTier | null;
  /** Latest score against the mean of the 7 days before it: ±0.15 or more is a trend. */
  trend: Trend;
  /** Signal types in the 30 days up to the latest signal. */
  recentSignalTypes: SignalType[];
  /** ISO 3166-1 alpha-2 of the customer's jurisdiction, from the profile. */
  jurisdiction: string | null;
  customerType: CustomerType | null;
  openLegalThreat: boolean;
}

export interface SegmentCriteria {
  tiers?: RiskTier[];
  trends?: Trend[];
  signalTypesAny?: SignalType[];
  jurisdictions?: string[];
  customerTypes?: CustomerType[];
  openLegalThreat?: boolean;
}

export interface SegmentDefinition {
  id: string;
  name: { en: string; de: string };
  /** Why the segment exists and what an operator does for its members. */
  purpose: string;
  criteria: SegmentCriteria;
}

export const TREND_DELTA = 0.15;

export const SEGMENTS: SegmentDefinition[] = [
  {
    id: 'legal_hold',
    name: { en: 'Legal hold', de: 'Rechtliche Prüfung' },
    purpose: 'An unresolved legal threat: the legal department first, no automated contact.',
    criteria: { openLegalThreat: true },
  },
  {
    id: 'critical',
    name: { en: 'Critical risk', de: 'Kritisches Risiko' },
    purpose: 'Risk tier critical: personal contact the same day.',
    criteria: { tiers: ['critical'] },
  },
  {
    id: 'high_rising',
    name: { en: 'High and rising', de: 'Hoch und steigend' },
    purpose: 'High risk that grew by 0.15 or more against the week before: act before it becomes critical.',
    criteria: { tiers: ['high'], trends: ['rising'] },
  },
  {
    id: 'churn_intent',
    name: { en: 'Wants to leave', de: 'Kündigungsabsicht' },
    purpose: 'A cancellation request in the last 30 days with at least moderate risk: retention offer, personal call.',
    criteria: { signalTypesAny: ['cancellation_request'], tiers: ['moderate', 'high'] },
  },
  {
    id: 'business_at_risk',
    name: { en: 'Business customer at risk', de: 'Geschäftskunde mit Risiko' },
    purpose: 'A business customer with moderate or high risk: the account manager is told.',
    criteria: { customerTypes: ['business'], tiers: ['moderate', 'high'] },
  },
  {
    id: 'high',
    name: { en: 'High risk', de: 'Hohes Risiko' },
    purpose: 'Risk tier high: outreach with a survey, escalation when unhappy.',
    criteria: { tiers: ['high'] },
  },
  {
    id: 'payment_trouble',
    name: { en: 'Payment trouble', de: 'Zahlungsprobleme' },
    purpose: 'A failed payment or transaction in the last 30 days: billing support, not marketing.',
    criteria: { signalTypesAny: ['payment_failed', 'transaction_failed'] },
  },
  {
    id: 'watch',
    name: { en: 'Watch', de: 'Beobachten' },
    purpose: 'Risk tier moderate: no action, watch the trend.',
    criteria: { tiers: ['moderate'] },
  },
  {
    id: 'stable',
    name: { en: 'Stable', de: 'Stabil' },
    purpose: 'Everyone else (low risk, or no analysed signal yet).',
    criteria: {},
  },
];

export function matchesCriteria(c: SegmentCriteria, f: SegmentFeatures): boolean {
  if (c.tiers && !(f.tier && c.tiers.includes(f.tier))) return false;
  if (c.trends && !c.trends.includes(f.trend)) return false;
  if (c.signalTypesAny && !c.signalTypesAny.some((t) => f.recentSignalTypes.includes(t))) return false;
  if (c.jurisdictions && !(f.jurisdiction && c.jurisdictions.includes(f.jurisdiction))) return false;
  if (c.customerTypes && !(f.customerType && c.customerTypes.includes(f.customerType))) return false;
  if (c.openLegalThreat !== undefined && c.openLegalThreat !== f.openLegalThreat) return false;
  return true;
}

/** The customer's segment: the first definition whose criteria all hold. */
export function assignSegment(f: SegmentFeatures, definitions: SegmentDefinition[] = SEGMENTS): string {
  return (definitions.find((d) => matchesCriteria(d.criteria, f)) ?? definitions[definitions.length - 1]).id;
}

export function trendOf(latest: number | null, before: number | null): Trend {
  if (latest === null || before === null) return 'unknown';
  if (latest - before >= TREND_DELTA) return 'rising';
  if (before - latest >= TREND_DELTA) return 'falling';
  return 'steady';
}
