// Activities are built over their dependencies; all wiring happens in worker/.
import type { TextAnalyzer } from '../analysis';
import { countSuppressed, insertAlerts, openAlertsOf, type NewAlert } from '../db/alerts';
import { loadJourneySnapshot, saveJourneySnapshot } from '../db/customers';
import type { Db } from '../db';
import { saveAnalysis } from '../db/signals';
import { rememberSignal, summarizeHistory, type HistoryEntry } from '../domain/history';
import type { JourneySnapshot } from '../domain/messages';
import { assessRisk } from '../domain/risk';
import type { AlertType, CustomerSignal, SignalAnalysis } from '../domain/types';

export interface ActivityDeps {
  db: Db;
  analyzer: TextAnalyzer;
}

export type AnalyzedSignal = SignalAnalysis & { upstreamFields: string[] };

export function analyzeSignal(analyzer: TextAnalyzer, signal: CustomerSignal, history: HistoryEntry[]): AnalyzedSignal {
  const text = signal.text?.trim() ? analyzer.analyze(signal.text, signal.language ?? undefined) : null;
  const r = assessRisk({
    text,
    signalType: signal.type,
    channel: signal.channel,
    rootCause: signal.rootCause,
    history: summarizeHistory(history, Date.parse(signal.occurredAt)),
    upstream: signal.analysis,
  });
  return {
    language: text?.language ?? signal.language ?? null,
    sentiment: r.sentiment,
    label: r.label,
    rootCause: r.rootCause,
    legalThreat: r.legalThreat,
    risk: r.risk,
    score: r.score,
    tier: r.tier,
    contributions: r.contributions,
    modelVersion: text ? analyzer.modelVersion : 'behavior-only',
    source: r.upstreamFields.length > 0 ? 'upstream' : 'model',
    upstreamFields: r.upstreamFields,
  };
}

export function createActivities({ db, analyzer }: ActivityDeps) {
  return {
    /** Analyses signals in order (each sees the ones before it) and stores each analysis once. */
    async analyzeSignals(input: { customerId: string; signals: CustomerSignal[]; history: HistoryEntry[] }): Promise<AnalyzedSignal[]> {
      let history = input.history;
      const out: AnalyzedSignal[] = [];
      for (const s of input.signals) {
        const fresh = analyzeSignal(analyzer, s, history);
        const stored = await saveAnalysis(db, s.id, input.customerId, fresh);
        out.push(stored);
        history = rememberSignal(history, { at: Date.parse(s.occurredAt), type: s.type, negative: stored.label === 'negative' });
      }
      return out;
    },

    async recordAlerts(input: { customerId: string; alerts: NewAlert[]; suppressions: { type: AlertType; signalId: string }[] }): Promise<string[]> {
      const created = await insertAlerts(db, input.alerts);
      for (const s of input.suppressions) await countSuppressed(db, input.customerId, s.type, s.signalId);
      return created.map((a) => a.id);
    },

    /** The memory a previous run left, with open alerts as the database knows them now. */
    async loadJourneySnapshot(customerId: string): Promise<JourneySnapshot | null> {
      const snapshot = await loadJourneySnapshot(db, customerId);
      if (!snapshot) return null;
      return { ...snapshot, openAlerts: await openAlertsOf(db, customerId) };
    },

    async saveJourneySnapshot(customerId: string, snapshot: JourneySnapshot): Promise<void> {
      await saveJourneySnapshot(db, customerId, snapshot);
    },
  };
}
