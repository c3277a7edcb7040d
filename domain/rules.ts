// The per-signal alert rules (DESIGN.md §2) and their deduplication. Pure.
import type { AlertType, PerSignalAlertType, RiskComponent, RiskComponents, RiskTier, Severity } from './types';
import { RISK_COMPONENTS } from './types';

export interface RuleThresholds {
  /** churn_signal fires when churn > churnMin and sentiment < sentimentMax ... */
  churnMin: number;
  sentimentMax: number;
  /**
   * ... or when churn > churnAloneMin whatever the sentiment: churn that high comes from a stated
   * intent to leave or a cancellation request, and people often say it calmly. Optional so
   * existing threshold objects stay valid; absent = DEFAULT_THRESHOLDS.churnAloneMin.
   */
  churnAloneMin?: number;
  /** legal_threat fires on the explicit flag or when legal risk > legalMin. */
  legalMin: number;
  /** high_risk_compound fires when at least compoundMinComponents exceed their moderate threshold. */
  moderate: RiskComponents;
  compoundMinComponents: number;
  /** Same alert type for the same customer within this many minutes (event time) is suppressed. */
  cooldownMinutes: number;
}

export const DEFAULT_THRESHOLDS: RuleThresholds = {
  churnMin: 0.5,
  sentimentMax: -0.3,
  churnAloneMin: 0.8,
  legalMin: 0.7,
  moderate: { churn: 0.4, escalation: 0.4, legal: 0.4, reputation: 0.4, financial: 0.4 },
  compoundMinComponents: 3,
  cooldownMinutes: 24 * 60,
};

export const SEVERITY_BY_TYPE: Readonly<Record<AlertType, Severity>> = {
  legal_threat: 'crisis',
  critical_escalation: 'critical',
  churn_signal: 'high',
  high_risk_compound: 'high',
  outreach_escalation: 'high',
  processing_failed: 'high',
  volume_spike: 'medium',
  sentiment_cliff: 'high',
  geo_concentration: 'high',
};

export interface ScoredSignal {
  sentiment: number;
  legalThreat: boolean;
  risk: RiskComponents;
  tier: RiskTier;
}

export interface RuleHit {
  type: PerSignalAlertType;
  severity: Severity;
  /** Why it fired, in numbers an operator can check against the thresholds. */
  reason: Record<string, unknown>;
}

export function evaluatePerSignalRules(s: ScoredSignal, t: RuleThresholds = DEFAULT_THRESHOLDS): RuleHit[] {
  const hits: RuleHit[] = [];
  const hit = (type: PerSignalAlertType, reason: Record<string, unknown>) =>
    hits.push({ type, severity: SEVERITY_BY_TYPE[type], reason });

  const churnAloneMin = t.churnAloneMin ?? DEFAULT_THRESHOLDS.churnAloneMin!;
  if ((s.risk.churn > t.churnMin && s.sentiment < t.sentimentMax) || s.risk.churn > churnAloneMin) {
    hit('churn_signal', { churn: s.risk.churn, sentiment: s.sentiment, churnMin: t.churnMin, sentimentMax: t.sentimentMax, churnAloneMin });
  }
  if (s.legalThreat || s.risk.legal > t.legalMin) {
    hit('legal_threat', { legalThreat: s.legalThreat, legal: s.risk.legal, legalMin: t.legalMin });
  }
  if (s.tier === 'critical') hit('critical_escalation', { tier: s.tier });
  const elevated: RiskComponent[] = RISK_COMPONENTS.filter((c) => s.risk[c] > t.moderate[c]);
  if (elevated.length >= t.compoundMinComponents) {
    hit('high_risk_compound', { elevated, moderate: t.moderate, minComponents: t.compoundMinComponents });
  }
  return hits;
}

/** When (event time, epoch ms) each alert key last fired for one journey; several times, as signals may arrive out of order. */
export type Cooldowns = Partial<Record<string, number[]>>;

export interface DedupDecision<T> {
  fire: T[];
  suppressed: T[];
  cooldowns: Cooldowns;
}

/**
 * Splits hits into those that fire and those suppressed by the cooldown, in event time:
 * a hit is suppressed when the same key fired less than cooldownMinutes before or after it,
 * so a late signal is judged by when it happened, not when it arrived.
 */
export function applyCooldown<T extends { type: string }>(
  hits: readonly T[],
  at: number,
  cooldowns: Cooldowns,
  cooldownMinutes: number,
  keyOf: (h: T) => string = (h) => h.type,
): DedupDecision<T> {
  const next: Cooldowns = { ...cooldowns };
  const fire: T[] = [];
  const suppressed: T[] = [];
  const window = cooldownMinutes * 60_000;
  for (const h of hits) {
    const key = keyOf(h);
    const times = next[key] ?? [];
    if (times.some((t) => Math.abs(at - t) < window)) {
      suppressed.push(h);
    } else {
      fire.push(h);
      next[key] = [...times, at].sort((a, b) => a - b);
    }
  }
  return { fire, suppressed, cooldowns: next };
}

/**
 * Forgets fire times that can no longer suppress anything: older than two cooldowns before
 * the newest event seen (the stated out-of-order tolerance is one cooldown).
 */
export function pruneCooldowns(cooldowns: Cooldowns, newest: number, cooldownMinutes: number): Cooldowns {
  const horizon = newest - 2 * cooldownMinutes * 60_000;
  const out: Cooldowns = {};
  for (const [k, times] of Object.entries(cooldowns)) {
    const kept = (times ?? []).filter((t) => t > horizon);
    if (kept.length) out[k] = kept;
  }
  return out;
}
