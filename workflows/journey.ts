import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { summarizeHistory } from '../domain/history';
import { emptySnapshot } from '../domain/journey';
import {
  alertStatusChanged,
  customerSignal,
  customerSignals,
  riskProfileQuery,
  SEARCH_ATTRIBUTES,
  segmentChanged,
  subjectOfWorkflowId,
  type JourneyInput,
  type JourneySnapshot,
  type RiskProfile,
} from '../domain/messages';
import type { CustomerSignal } from '../domain/types';
import { OutreachStarter } from './outreach';

export const LEAN_JOURNEY = 'lean-journey-2026-11';

// Regular activities, not local ones: with local activities, a query that arrived while one ran
// could split a workflow task so that replay saw signals in another order (caught by the
// replay test). Batching keeps the event count per signal down instead.
const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One customer's risk journey: takes their signals in order, has each batch analysed and the
 * per-signal alert rules evaluated against the cooldowns it keeps in its state, and publishes
 * the live risk profile (query) and search attributes. Ends after a period without signals,
 * leaving its memory in the database for the next run.
 */
export async function customerJourneyWorkflow(input: JourneyInput): Promise<RiskProfile> {
  const { customerId, thresholds } = input;
  // null until the first batch: the activity then resumes from what an earlier run saved.
  let state: JourneySnapshot | null = input.snapshot ?? null;
  const queue: CustomerSignal[] = [];
  const current = () => state ?? emptySnapshot();
  const outreach = input.outreachPolicy ? new OutreachStarter(customerId, input.outreachPolicy, input.outreach) : null;

  // Versioned change (histories recorded before it replay the old way): one idle timer per
  // idle period instead of one per batch, and the score search attribute updated in steps of
  // 0.05 rather than on every signal. Both cut Temporal work per signal.
  const lean = patched(LEAN_JOURNEY);

  // The risk segment, as the batch activity (or the bulk re-evaluation, by signal) last judged it.
  let segment: string | undefined = input.segment;
  let published = '';
  function publish() {
    const s = current();
    const score = s.last?.score ?? 0;
    const attrs = {
      tier: s.last?.tier ?? 'low',
      score: lean ? Math.round(score * 20) / 20 : score,
      open: [...new Set(s.openAlerts.map((a) => a.type))].sort(),
      // Only present once segments exist, so histories from before them publish as they did.
      ...(segment ? { segment } : {}),
    };
    const key = JSON.stringify(attrs);
    if (key === published) return;
    published = key;
    upsertSearchAttributes([
      // The subject in the workflow id: the customer id, or its pseudonym when the id is personal data.
      { key: SEARCH_ATTRIBUTES.customerId, value: subjectOfWorkflowId(workflowInfo().workflowId) ?? customerId },
      { key: SEARCH_ATTRIBUTES.riskTier, value: attrs.tier },
      { key: SEARCH_ATTRIBUTES.riskScore, value: attrs.score },
      { key: SEARCH_ATTRIBUTES.openAlertTypes, value: attrs.open },
      ...(attrs.segment ? [{ key: SEARCH_ATTRIBUTES.segment, value: attrs.segment }] : []),
    ]);
  }

  setHandler(customerSignal, (s) => {
    queue.push(s);
  });
  setHandler(customerSignals, (list) => {
    queue.push(...list);
  });
  setHandler(alertStatusChanged, ({ alertId, status }) => {
    if (status !== 'resolved' || !state) return;
    state = { ...state, openAlerts: state.openAlerts.filter((a) => a.id !== alertId) };
    publish();
  });
  setHandler(segmentChanged, (next) => {
    segment = next;
    publish();
  });
  setHandler(riskProfileQuery, () => ({ ...profile(customerId, current()), ...(segment ? { segment } : {}) }));

  // The idle clock: re-armed only when it runs out while the journey has been busy.
  let lastActive = Date.now();
  let idle = false;
  let idleClock: Promise<void> | null = null;
  const armIdleClock = () => {
    idle = false;
    idleClock ??= (async () => {
      for (;;) {
        const wait = lastActive + input.idleTimeoutMs - Date.now();
        if (wait <= 0) break;
        await sleep(wait);
      }
      idle = true;
      idleClock = null;
    })();
  };
  if (lean) armIdleClock();

  for (;;) {
    let busy: boolean;
    if (lean) {
      await condition(() => queue.length > 0 || idle);
      busy = queue.length > 0;
    } else {
      busy = await condition(() => queue.length > 0, input.idleTimeoutMs);
    }
    if (!busy) {
      if (state) await acts.saveJourneySnapshot(customerId, state);
      // A signal that arrived while saving is processed, not dropped.
      if (queue.length === 0) return profile(customerId, current());
      lastActive = Date.now();
      if (lean) armIdleClock();
      continue;
    }
    lastActive = Date.now();

    const seen = new Set(current().recentSignalIds);
    const batch = queue.splice(0).filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
    if (batch.length > 0) {
      const sent = state;
      const result = await acts.processSignals({ customerId, workflowId: workflowInfo().workflowId, thresholds, state: sent, signals: batch });
      state = keepResolved(sent, state, result.state);
      if (result.segment) segment = result.segment;
      publish();
      if (outreach) await outreach.afterBatch(state, result.alertIds, batch);
    }

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (queue.length === 0) await continueAsNew<typeof customerJourneyWorkflow>({ ...input, snapshot: current(), outreach: outreach?.snapshot(), ...(segment ? { segment } : {}) });
    }
  }
}

/** An alert resolved while the activity ran stays resolved in the state the activity returns. */
function keepResolved(sent: JourneySnapshot | null, now: JourneySnapshot | null, result: JourneySnapshot): JourneySnapshot {
  if (!sent || !now) return result;
  const stillOpen = new Set(now.openAlerts.map((a) => a.id));
  const resolved = new Set(sent.openAlerts.filter((a) => !stillOpen.has(a.id)).map((a) => a.id));
  return resolved.size ? { ...result, openAlerts: result.openAlerts.filter((a) => !resolved.has(a.id)) } : result;
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
