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
import { stratifiedHoldout } from './split';

export const MODEL_VERSION = 'text-2026.11.1';
export const SPLIT_SEED = 2026;
export const HOLDOUT_FRACTION = 0.2;

export interface Corpus {
  name: string;
  language: Language;
  train: Example[];
  heldout: Example[];
}

/**
 * English: airline tweets, 80/20 stratified by label.
 * German: dev.xml + test_dia.xml pooled, 80/20 stratified by label and file
 * (pooling keeps both time periods in training; GermEval's synchronic test
 * set is closer to dev.xml than to test_dia.xml).
 */
export function loadCorpora(): Corpus[] {
  const en = loadAirline();
  const enHeld = stratifiedHoldout(en.map((e) => e.label), HOLDOUT_FRACTION, SPLIT_SEED);
  const g = loadGermEvalAll();
  const de = [...g.dev, ...g.testDia];
  const deStrata = de.map((e, i) => `${i < g.dev.length ? 'dev' : 'dia'}:${e.label}`);
  const deHeld = stratifiedHoldout(deStrata, HOLDOUT_FRACTION, SPLIT_SEED);
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
  return { sentiment: { labels, features: r.sentimentFeatures, table: s.table, calibA: s.calibA, calibB: s.calibB }, rootCause, oofMetrics };
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
