import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { RECOMMENDED_ACTIONS } from '../domain/actions';
import { rememberSignal, summarizeHistory } from '../domain/history';
import {
  alertStatusChanged,
  customerSignal,
  riskProfileQuery,
  SEARCH_ATTRIBUTES,
  type JourneyInput,
  type JourneySnapshot,
  type RiskProfile,
} from '../domain/messages';
import { applyCooldown, evaluatePerSignalRules, pruneCooldowns } from '../domain/rules';
import type { CustomerSignal } from '../domain/types';
import type { NewAlert } from '../db/alerts';

// Local activities: each costs one marker event instead of three activity events plus a
// workflow task, which keeps a journey's history per signal small (issue: ≤ 6 events).
const acts = proxyLocalActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const RECENT_IDS = 500;

const emptySnapshot = (): JourneySnapshot => ({
  history: [],
  cooldowns: {},
  openAlerts: [],
  suppressed: {},
  recentSignalIds: [],
  signalsProcessed: 0,
  last: null,
});

/**
 * One customer's risk journey: takes their signals in order, analyses each, evaluates the
 * per-signal alert rules with cooldowns kept in workflow state, and publishes the live risk
 * profile (query) and search attributes. Ends after a period without signals, leaving its
 * memory in the database for the next run.
 */
export async function customerJourneyWorkflow(input: JourneyInput): Promise<RiskProfile> {
  const { customerId } = input;
  let state: JourneySnapshot = input.snapshot ?? (await acts.loadJourneySnapshot(customerId)) ?? emptySnapshot();
  const queue: CustomerSignal[] = [];

  setHandler(customerSignal, (s) => {
    queue.push(s);
  });
  setHandler(alertStatusChanged, ({ alertId, status }) => {
    if (status === 'resolved') {
      state = { ...state, openAlerts: state.openAlerts.filter((a) => a.id !== alertId) };
      publish();
    }
  });
  setHandler(riskProfileQuery, () => profile(customerId, state));

  let published = '';
  function publish() {
    const attrs = {
      customerId,
      tier: state.last?.tier ?? 'low',
      score: state.last?.score ?? 0,
      open: [...new Set(state.openAlerts.map((a) => a.type))].sort(),
    };
    const key = JSON.stringify(attrs);
    if (key === published) return;
    published = key;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.customerId, value: attrs.customerId },
      { key: SEARCH_ATTRIBUTES.riskTier, value: attrs.tier },
      { key: SEARCH_ATTRIBUTES.riskScore, value: attrs.score },
      { key: SEARCH_ATTRIBUTES.openAlertTypes, value: attrs.open },
    ]);
  }
  publish();

  for (;;) {
    const busy = await condition(() => queue.length > 0, input.idleTimeoutMs);
    if (!busy) {
      await acts.saveJourneySnapshot(customerId, state);
      // A signal that arrived while saving is processed, not dropped.
      if (queue.length === 0) return profile(customerId, state);
      continue;
    }

    const seen = new Set(state.recentSignalIds);
    const batch = queue.splice(0).filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
    if (batch.length > 0) state = await processBatch(input, state, batch);
    publish();

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // Signals that arrived meanwhile travel with the snapshot's next run as pending input.
      if (queue.length === 0) await continueAsNew<typeof customerJourneyWorkflow>({ ...input, snapshot: state });
    }
  }
}

async function processBatch(input: JourneyInput, state: JourneySnapshot, batch: CustomerSignal[]): Promise<JourneySnapshot> {
  const { customerId, thresholds } = input;
  const workflowId = workflowInfo().workflowId;
  const analyses = await acts.analyzeSignals({ customerId, signals: batch, history: state.history });

  let { history, cooldowns, suppressed, openAlerts } = state;
  const newAlerts: NewAlert[] = [];
  const suppressions: { type: NewAlert['type']; signalId: string }[] = [];
  let last = state.last;

  batch.forEach((signal, i) => {
    const a = analyses[i];
    const at = Date.parse(signal.occurredAt);
    const hits = evaluatePerSignalRules(a, thresholds);
    const decision = applyCooldown(hits, at, cooldowns, thresholds.cooldownMinutes);
    cooldowns = decision.cooldowns;
    for (const h of decision.fire) {
      const id = uuid4();
      newAlerts.push({
        id,
        type: h.type,
        severity: h.severity,
        customerId,
        key: h.type,
        dedupId: `${h.type}/${customerId}/${signal.id}`,
        workflowId,
        recommendedAction: RECOMMENDED_ACTIONS[h.type],
        evidence: { signalIds: [signal.id], score: a.score, tier: a.tier, risk: a.risk, sentiment: a.sentiment, rule: h.reason },
        metadata: { rootCause: a.rootCause, language: a.language, modelVersion: a.modelVersion, source: a.source },
      });
      openAlerts = [...openAlerts, { id, type: h.type }];
    }
    for (const h of decision.suppressed) {
      suppressions.push({ type: h.type, signalId: signal.id });
      suppressed = { ...suppressed, [h.type]: (suppressed[h.type] ?? 0) + 1 };
    }
    history = rememberSignal(history, { at, type: signal.type, negative: a.label === 'negative' });
    if (!last || at >= Date.parse(last.at)) last = { score: a.score, tier: a.tier, risk: a.risk, signalId: signal.id, at: signal.occurredAt };
  });

  if (newAlerts.length || suppressions.length) await acts.recordAlerts({ alerts: newAlerts, customerId, suppressions });

  const newest = Math.max(...history.map((h) => h.at));
  return {
    history,
    cooldowns: pruneCooldowns(cooldowns, newest, thresholds.cooldownMinutes),
    openAlerts,
    suppressed,
    recentSignalIds: [...state.recentSignalIds, ...batch.map((s) => s.id)].slice(-RECENT_IDS),
    signalsProcessed: state.signalsProcessed + batch.length,
    last,
  };
}

function profile(customerId: string, s: JourneySnapshot): RiskProfile {
  const newest = s.history.length ? s.history[s.history.length - 1].at : 0;
  return {
    customerId,
    score: s.last?.score ?? null,
    tier: s.last?.tier ?? null,
    risk: s.last?.risk ?? null,
    lastSignalId: s.last?.signalId ?? null,
    lastSignalAt: s.last?.at ?? null,
    signalsProcessed: s.signalsProcessed,
    openAlerts: s.openAlerts,
    suppressedAlerts: s.suppressed,
    complaintsLast7Days: summarizeHistory(s.history, newest + 1).complaints7d,
  };
}
