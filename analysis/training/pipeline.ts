// The whole training recipe, shared by scripts/train.ts, scripts/evaluate.ts
// and the tests: corpus split, feature settings, learners, serialisation.
import * as fs from 'node:fs';
import { createTextAnalyzer } from '../index';
import { analyseText, DEFAULT_FEATURES, type FeatureConfig } from '../features';
import { decodeBundle, encodeBundle } from '../model-io';
import { ROOT_CAUSES, SENTIMENT_LABELS, type ClassifierModel, type Language, type ModelBundle, type RootCause, type SentimentLabel, type TextAnalyzer } from '../types';
import { trainClassifier, type ClassifierOptions } from './classifier';
import { loadAirline, loadGermEvalAll, type Example } from './data';
import { computeMetrics, type Metrics } from './metrics';
import { hashHoldout } from './split';

export const MODEL_VERSION = 'text-2026.12.1';
export const HOLDOUT_FRACTION = 0.2;

export interface Corpus {
  name: string;
  language: Language;
  train: Example[];
  heldout: Example[];
}

/**
 * Held-out = the texts whose content hash (SHA-256 of the normalised text) falls in the lowest
 * 20 % (split.ts contentPosition): fixed by content, not by a seeded shuffle, so adding or
 * correcting data never moves a text between train and held-out, and duplicates stay together.
 * English: airline tweets. German: dev.xml + test_dia.xml pooled (both periods in training).
 */
export function loadCorpora(): Corpus[] {
  const en = loadAirline();
  const enHeld = hashHoldout(en.map((e) => e.text), HOLDOUT_FRACTION);
  const g = loadGermEvalAll();
  const de = [...g.dev, ...g.testDia];
  const deHeld = hashHoldout(de.map((e) => e.text), HOLDOUT_FRACTION);
  return [
    { name: 'airline tweets (en)', language: 'en', train: en.filter((_, i) => !enHeld.has(i)), heldout: en.filter((_, i) => enHeld.has(i)) },
    { name: 'GermEval 2017 (de)', language: 'de', train: de.filter((_, i) => !deHeld.has(i)), heldout: de.filter((_, i) => deHeld.has(i)) },
  ];
}

export interface Recipe {
  /** Add GermEval's relevance flag as an auxiliary task (only where the corpus has it). */
  relevanceAux: boolean;
  /** Sample weight = annotator agreement ^ power (0 = ignore agreement). */
  confidencePower: number;
  sentimentFeatures: FeatureConfig;
  sentiment: ClassifierOptions;
  rootCauseFeatures: FeatureConfig;
  rootCause: ClassifierOptions;
}

const BASE_OPTS: ClassifierOptions = { c: 0.3, minDf: 2, folds: 5, seed: 7, pruneBelow: 1e-3, bases: ['svm', 'nbsvm'], nbAlpha: 1 };

export const RECIPES: Record<Language, Recipe> = {
  en: {
    relevanceAux: false,
    confidencePower: 1,
    sentimentFeatures: { ...DEFAULT_FEATURES },
    sentiment: { ...BASE_OPTS, c: 0.3, nbAlpha: 0.5 },
    rootCauseFeatures: { ...DEFAULT_FEATURES, charMax: 0, lexiconWeight: 0 },
    rootCause: { ...BASE_OPTS, c: 0.3, bases: ['svm'] },
  },
  de: {
    relevanceAux: false,
    confidencePower: 1,
    sentimentFeatures: { ...DEFAULT_FEATURES },
    sentiment: { ...BASE_OPTS, c: 0.3 },
    rootCauseFeatures: { ...DEFAULT_FEATURES, charMax: 0, lexiconWeight: 0 },
    rootCause: { ...BASE_OPTS, c: 0.3, bases: ['svm'] },
  },
};

/** Sample weight: crowd agreement when known (low-agreement airline labels are noisy). */
const weightOf = (e: Example, power: number) =>
  e.confidence !== undefined && Number.isFinite(e.confidence) ? Math.max(0.1, e.confidence) ** power : 1;

export function trainLanguage(
  lang: Language,
  train: readonly Example[],
  log: (msg: string) => void = () => {},
): { sentiment: ClassifierModel<SentimentLabel>; rootCause?: ClassifierModel<RootCause>; oofMetrics: Metrics } {
  const r = RECIPES[lang];
  const labels = [...SENTIMENT_LABELS];
  const x = train.map((e) => analyseText(e.text, lang, r.sentimentFeatures).features);
  const y = Int32Array.from(train, (e) => labels.indexOf(e.label));
  const sw = Float64Array.from(train, (e) => weightOf(e, r.confidencePower));
  const t0 = Date.now();
  const aux = r.relevanceAux && train.some((e) => e.relevant !== undefined) ? [Int32Array.from(train, (e) => (e.relevant === false ? 0 : 1))] : [];
  const s = trainClassifier(x, y, labels.length, r.sentiment, sw, aux);
  const oofPred = train.map((_, i) => {
    let b = 0;
    for (let c = 1; c < labels.length; c++) if (s.oof[i * labels.length + c] > s.oof[i * labels.length + b]) b = c;
    return labels[b];
  });
  const oofMetrics = computeMetrics(train.map((e) => e.label), oofPred);
  log(`${lang} sentiment: ${train.length} texts, ${s.table.keys.length} features, ${Date.now() - t0} ms, cross-validated accuracy ${oofMetrics.accuracy.toFixed(4)}`);
  const offsets = decisionOffsets(train.map((e) => e.label), s.oof, labels);
  const tuned = computeMetrics(train.map((e) => e.label), oofArgmax(s.oof, labels, offsets));
  log(`${lang} decision offsets (log-odds, chosen on out-of-fold scores of the train part): ${labels.map((l, c) => `${l} ${offsets[c].toFixed(2)}`).join(', ')}; out-of-fold accuracy ${tuned.accuracy.toFixed(4)}, macro-F1 ${tuned.macroF1.toFixed(4)} (was ${oofMetrics.macroF1.toFixed(4)})`);

  const neg = train.filter((e) => e.label === 'negative' && e.rootCause);
  const causes = ROOT_CAUSES.filter((c) => neg.filter((e) => e.rootCause === c).length >= 10);
  let rootCause: ClassifierModel<RootCause> | undefined;
  if (causes.length >= 2) {
    const rx = neg.filter((e) => causes.includes(e.rootCause!));
    const xr = rx.map((e) => analyseText(e.text, lang, r.rootCauseFeatures).features);
    const yr = Int32Array.from(rx, (e) => causes.indexOf(e.rootCause!));
    const rc = trainClassifier(xr, yr, causes.length, r.rootCause);
    rootCause = { labels: causes, features: r.rootCauseFeatures, table: rc.table, calibA: rc.calibA, calibB: rc.calibB };
    log(`${lang} root cause: ${rx.length} complaints, classes ${causes.join(', ')}, ${rc.table.keys.length} features`);
  }
  return { sentiment: { labels, features: r.sentimentFeatures, table: s.table, calibA: s.calibA, calibB: s.calibB.map((b, c) => b + offsets[c]) }, rootCause, oofMetrics: tuned };
}

function oofArgmax(oof: Float64Array, labels: readonly SentimentLabel[], offsets: readonly number[]): SentimentLabel[] {
  const k = labels.length;
  const out: SentimentLabel[] = [];
  for (let i = 0; i < oof.length / k; i++) {
    let b = 0;
    let bv = -Infinity;
    for (let c = 0; c < k; c++) {
      const v = Math.log(oof[i * k + c] + 1e-12) + offsets[c];
      if (v > bv) {
        bv = v;
        b = c;
      }
    }
    out.push(labels[b]);
  }
  return out;
}

/**
 * Per-class log-odds offsets added to the calibrated scores (neutral fixed at 0), chosen on
 * the out-of-fold probabilities of the train part to maximise accuracy + macro-F1: the
 * calibrator maximises likelihood, which under-predicts the rare classes (German negatives
 * and positives) that macro-F1 weighs equally. Grid of 0.1 in [-0.5, 1.5]; ties keep the
 * smaller offsets, so the result is deterministic.
 */
function decisionOffsets(gold: readonly SentimentLabel[], oof: Float64Array, labels: readonly SentimentLabel[]): number[] {
  const neu = labels.indexOf('neutral');
  const neg = labels.indexOf('negative');
  const pos = labels.indexOf('positive');
  let best = labels.map(() => 0);
  let bestScore = -Infinity;
  for (let a = -5; a <= 15; a++) {
    for (let b = -5; b <= 15; b++) {
      const off = labels.map(() => 0);
      off[neg] = a / 10;
      off[pos] = b / 10;
      off[neu] = 0;
      const m = computeMetrics(gold, oofArgmax(oof, labels, off));
      const score = m.accuracy + m.macroF1 - 1e-4 * (Math.abs(a) + Math.abs(b));
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = off;
      }
    }
  }
  return best;
}

/** Serialise and parse back, so metrics are computed on exactly what is written to disk. */
export function roundTrip(b: ModelBundle): { bundle: ModelBundle; manifest: string; files: Record<string, Buffer> } {
  const enc = encodeBundle(b);
  return { bundle: decodeBundle(enc.manifest, (f) => enc.files[f]), ...enc };
}

export interface HeldoutReport {
  corpus: string;
  language: Language;
  metrics: Metrics;
  majority: { label: SentimentLabel; metrics: Metrics };
  rootCause: { n: number; accuracy: number };
}

export function evaluateCorpus(analyzer: TextAnalyzer, c: Corpus): HeldoutReport {
  const gold = c.heldout.map((e) => e.label);
  const res = c.heldout.map((e) => analyzer.analyze(e.text, c.language));
  const metrics = computeMetrics(gold, res.map((r) => r.label));
  const counts = new Map<SentimentLabel, number>();
  for (const e of c.train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const maj = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const withCause = c.heldout.map((e, i) => [e, res[i]] as const).filter(([e]) => e.label === 'negative' && e.rootCause);
  const rcOk = withCause.filter(([e, r]) => e.rootCause === r.rootCause).length;
  return {
    corpus: c.name,
    language: c.language,
    metrics,
    majority: { label: maj, metrics: computeMetrics(gold, gold.map(() => maj)) },
    rootCause: { n: withCause.length, accuracy: withCause.length ? rcOk / withCause.length : 0 },
  };
}

export interface ExtraExample {
  text: string;
  language: Language;
  label: SentimentLabel;
  rootCause?: RootCause;
}

/** Reads the feedback-loop JSONL (`{text, language, label, rootCause?}` per line); throws on the first bad line. */
export function readExtra(file: string): ExtraExample[] {
  const out: ExtraExample[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      let o: Partial<ExtraExample>;
      try {
        o = JSON.parse(line) as Partial<ExtraExample>;
      } catch {
        throw new Error(`${file}:${i + 1}: not valid JSON`);
      }
      if (typeof o.text !== 'string' || !o.text.trim()) throw new Error(`${file}:${i + 1}: "text" must be a non-empty string`);
      if (o.language !== 'en' && o.language !== 'de') throw new Error(`${file}:${i + 1}: "language" must be "en" or "de"`);
      if (!SENTIMENT_LABELS.includes(o.label as SentimentLabel)) throw new Error(`${file}:${i + 1}: "label" must be negative, neutral or positive`);
      if (o.rootCause !== undefined && !ROOT_CAUSES.includes(o.rootCause)) throw new Error(`${file}:${i + 1}: unknown "rootCause" ${String(o.rootCause)}`);
      out.push({ text: o.text, language: o.language, label: o.label as SentimentLabel, rootCause: o.rootCause });
    });
  return out;
}

export function analyzerFrom(b: ModelBundle): TextAnalyzer {
  return createTextAnalyzer(b);
}
