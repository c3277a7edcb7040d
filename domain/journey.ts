// What one signal does to a customer's journey: rules, cooldowns, history. Pure, so the
// activity that applies it and the tests that check it agree by construction.
import { RECOMMENDED_ACTIONS } from './actions';
import { rememberSignal, type HistoryEntry } from './history';
import type { JourneySnapshot } from './messages';
import { applyCooldown, evaluatePerSignalRules, pruneCooldowns, type RuleThresholds } from './rules';
import type { AlertType, CustomerSignal, Severity, SignalAnalysis } from './types';

export const RECENT_SIGNAL_IDS = 500;

export const emptySnapshot = (): JourneySnapshot => ({
  history: [],
  cooldowns: {},
  openAlerts: [],
  suppressed: {},
  recentSignalIds: [],
  signalsProcessed: 0,
  last: null,
});

export interface AlertDraft {
  type: AlertType;
  severity: Severity;
  customerId: string;
  key: string;
  dedupId: string;
  recommendedAction: { de: string; en: string };
  evidence: { signalIds: string[]; [k: string]: unknown };
  metadata: Record<string, unknown>;
}

export interface StepResult {
  state: JourneySnapshot;
  alerts: AlertDraft[];
  suppressed: { type: AlertType; signalId: string }[];
}

/** Remembers a signal that is kept for the record but not analysed: counted, never judged. */
export function skipSignal(state: JourneySnapshot, signal: CustomerSignal): JourneySnapshot {
  return { ...state, recentSignalIds: [...state.recentSignalIds, signal.id].slice(-RECENT_SIGNAL_IDS), signalsProcessed: state.signalsProcessed + 1 };
}

/**
 * Legal first: a legal threat is suppressed only into a legal_threat alert that is still open.
 * Once that alert is resolved, the cooldown no longer counts for legal threats, so a repeated one
 * opens a new alert, and with it the legal hold on automated outreach, instead of being counted
 * on a closed alert while outreach texts the customer.
 */
function cooldownsFor(state: JourneySnapshot): JourneySnapshot['cooldowns'] {
  if (!state.cooldowns.legal_threat || state.openAlerts.some((o) => o.type === 'legal_threat')) return state.cooldowns;
  const { legal_threat: _resolved, ...rest } = state.cooldowns;
  return rest;
}

/** Applies one analysed signal: evaluates the per-signal rules, dedups by cooldown, remembers it. */
export function applySignal(
  state: JourneySnapshot,
  signal: CustomerSignal,
  a: SignalAnalysis,
  thresholds: RuleThresholds,
  alertId: (dedupId: string) => string,
): StepResult {
  const at = Date.parse(signal.occurredAt);
  const hits = evaluatePerSignalRules(a, thresholds);
  const decision = applyCooldown(hits, at, cooldownsFor(state), thresholds.cooldownMinutes);
  const alerts: AlertDraft[] = decision.fire.map((h) => ({
    type: h.type,
    severity: h.severity,
    customerId: signal.customerId,
    key: h.type,
    dedupId: `${h.type}/${signal.customerId}/${signal.id}`,
    recommendedAction: RECOMMENDED_ACTIONS[h.type],
    evidence: { signalIds: [signal.id], score: a.score, tier: a.tier, risk: a.risk, sentiment: a.sentiment, rule: h.reason },
    metadata: { rootCause: a.rootCause, language: a.language, modelVersion: a.modelVersion, source: a.source },
  }));
  const suppressed = decision.suppressed.map((h) => ({ type: h.type, signalId: signal.id }));
  const counts = { ...state.suppressed };
  for (const s of suppressed) counts[s.type] = (counts[s.type] ?? 0) + 1;
  const history = rememberSignal(state.history, { at, type: signal.type, negative: a.label === 'negative' });
  const newest = history[history.length - 1].at;
  const isLatest = !state.last || at >= Date.parse(state.last.at);
  return {
    state: {
      history,
      cooldowns: pruneCooldowns(decision.cooldowns, newest, thresholds.cooldownMinutes),
      openAlerts: [...state.openAlerts, ...alerts.map((al) => ({ id: alertId(al.dedupId), type: al.type }))],
      suppressed: counts,
      recentSignalIds: [...state.recentSignalIds, signal.id].slice(-RECENT_SIGNAL_IDS),
      signalsProcessed: state.signalsProcessed + 1,
      last: isLatest ? { score: a.score, tier: a.tier, risk: a.risk, signalId: signal.id, at: signal.occurredAt } : state.last,
    },
    alerts,
    suppressed,
  };
}

/** How a list moved on: its first `drop` items went and `append` came after the rest. */
export interface ListChange<T> {
  drop: number;
  append: T[];
}

/**
 * A batch's effect on the journey's state, relative to the state it was given: the two long lists
 * (history, recent signal ids) as what left their front and what joined their end, the rest whole.
 * A busy journey's batch result, kept in its Temporal history, is then a few hundred bytes instead
 * of its whole memory (tens of kilobytes), so its history grows by the signals, not by the memory.
 */
export interface SnapshotChange extends Omit<JourneySnapshot, 'history' | 'recentSignalIds'> {
  history: ListChange<HistoryEntry>;
  recentSignalIds: ListChange<string>;
}

function listChange<T>(before: readonly T[], after: readonly T[], same: (a: T, b: T) => boolean): ListChange<T> {
  // The fewest dropped items that leave the rest of `before` as the start of `after`; dropping all always does.
  for (let drop = 0; drop < before.length; drop++) {
    const kept = before.length - drop;
    if (kept > after.length) continue;
    let i = 0;
    while (i < kept && same(before[drop + i], after[i])) i++;
    if (i === kept) return { drop, append: after.slice(kept) };
  }
  return { drop: before.length, append: [...after] };
}

const sameEntry = (a: HistoryEntry, b: HistoryEntry) => a.at === b.at && a.type === b.type && a.negative === b.negative;

export function snapshotChange(before: JourneySnapshot, after: JourneySnapshot): SnapshotChange {
  return {
    ...after,
    history: listChange(before.history, after.history, sameEntry),
    recentSignalIds: listChange(before.recentSignalIds, after.recentSignalIds, (a, b) => a === b),
  };
}

export function applySnapshotChange(before: JourneySnapshot, change: SnapshotChange): JourneySnapshot {
  return {
    ...change,
    history: [...before.history.slice(change.history.drop), ...change.history.append],
    recentSignalIds: [...before.recentSignalIds.slice(change.recentSignalIds.drop), ...change.recentSignalIds.append],
  };
}
