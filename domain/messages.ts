// Temporal names and message definitions shared by the API, the worker and the workflows.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { HistoryEntry } from './history';
import type { OutreachPolicy } from './outreach';
import type { OutreachMemory } from './outreach-messages';
import type { Cooldowns, RuleThresholds } from './rules';
import type { AlertStatus, AlertType, CustomerSignal, RiskComponents, RiskTier } from './types';

/**
 * A journey's id from its customer's subject: the customer id itself, or — for ids that are
 * personal data such as e-mail addresses — its pseudonym (privacy/subjects.ts), so that workflow
 * ids and search attributes carry none.
 */
export const journeyWorkflowId = (subject: string) => `customer-journey/${subject}`;

/** The subject (customer id or pseudonym) a journey or outreach workflow belongs to; null for others. */
export function subjectOfWorkflowId(workflowId: string): string | null {
  const m = /^(?:customer-journey\/(.+)|outreach\/(.+)\/\d+)$/.exec(workflowId);
  return m ? (m[1] ?? m[2]) : null;
}

export const SEARCH_ATTRIBUTES = {
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  riskTier: defineSearchAttributeKey('RiskTier', SearchAttributeType.KEYWORD),
  riskScore: defineSearchAttributeKey('RiskScore', SearchAttributeType.DOUBLE),
  openAlertTypes: defineSearchAttributeKey('OpenAlertTypes', SearchAttributeType.KEYWORD_LIST),
  segment: defineSearchAttributeKey('Segment', SearchAttributeType.KEYWORD),
} as const;

export interface OpenAlert {
  id: string;
  type: AlertType;
}

/** The journey's memory: carried across continue-as-new and saved when it goes idle. */
export interface JourneySnapshot {
  history: HistoryEntry[];
  cooldowns: Cooldowns;
  openAlerts: OpenAlert[];
  suppressed: Partial<Record<string, number>>;
  /** Ids of recently processed signals: a redelivered signal is recognised and skipped. */
  recentSignalIds: string[];
  signalsProcessed: number;
  last: { score: number; tier: RiskTier; risk: RiskComponents; signalId: string; at: string } | null;
}

/**
 * The journey code a run is started for (JourneyInput.version). Runs that carry it take every
 * change so far without patch markers (each `patched()` costs two history events per run) and
 * have their batches processed by local activities. Runs started before it ask `patched()` and
 * replay as they were recorded. Upgrade the workers before the API: a run started with this
 * version on a worker that does not know it would replay differently on one that does.
 */
export const JOURNEY_VERSION = 'journey-2026-12-c';

/**
 * History events after which a journey continues as new (JourneyInput.historyLimit, set by the
 * API). Temporal only suggests it at 4,096 events or 4 MB, but whenever the worker must replay a
 * run (a refused continue-as-new, a cache eviction), the replay takes time in proportion to the
 * run's history: 2–3 ms per event on the bench machine under load, so a 4,000-event run outlasted the 10 s workflow task
 * timeout and a hot customer's journey stalled for minutes. 500 events keep a replay near 1 s.
 */
export const JOURNEY_HISTORY_LIMIT = 500;

export interface JourneyInput {
  customerId: string;
  /** JOURNEY_VERSION for runs started from it on; continue-as-new carries it. */
  version?: string;
  thresholds: RuleThresholds;
  idleTimeoutMs: number;
  snapshot?: JourneySnapshot;
  /** Absent: this journey starts no outreach (also how older histories replay). */
  outreachPolicy?: OutreachPolicy;
  outreach?: OutreachMemory;
  /** The risk segment carried across continue-as-new. */
  segment?: string;
  /** Signals the previous run had received but not processed: continue-as-new carries them, the new run takes them first. */
  pending?: CustomerSignal[];
  /** Continue-as-new at this many history events even before Temporal suggests it (the API sets JOURNEY_HISTORY_LIMIT; tests a small one). */
  historyLimit?: number;
  /** Attempts at a batch before its signals are tried one by one and the failing ones set aside (default 10; tests set fewer). */
  batchAttempts?: number;
}

export interface RiskProfile {
  customerId: string;
  score: number | null;
  tier: RiskTier | null;
  risk: RiskComponents | null;
  lastSignalId: string | null;
  lastSignalAt: string | null;
  signalsProcessed: number;
  openAlerts: OpenAlert[];
  suppressedAlerts: Partial<Record<string, number>>;
  complaintsLast7Days: number;
  /** The risk segment (README "Risk segments"), once judged. */
  segment?: string;
}

export interface AlertStatusChange {
  alertId: string;
  status: AlertStatus;
}

/** One signal; kept so that journeys started before batched delivery still take their signals. */
export const customerSignal = defineSignal<[CustomerSignal]>('customerSignal');
/** A customer's signals in order, as the API delivers them: one Temporal signal per batch. */
export const customerSignals = defineSignal<[CustomerSignal[]]>('customerSignals');
export const alertStatusChanged = defineSignal<[AlertStatusChange]>('alertStatusChanged');
export const riskProfileQuery = defineQuery<RiskProfile>('riskProfile');
/** The bulk re-evaluation after a criteria change tells a running journey its new segment. */
export const segmentChanged = defineSignal<[string]>('segmentChanged');
