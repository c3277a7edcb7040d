// Public interface of the text analysis. Everything here is pure except
// loadTextAnalyzer, which reads the model files once per directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClassifier, type Classifier } from './classifier';
import { analyseText, DEFAULT_FEATURES, type Analysed } from './features';
import { detectChurnIntent } from './churn';
import { complaintPatterns } from './complaint';
import { detectLanguage } from './language';
import { detectLegal } from './legal';
import { decodeBundle } from './model-io';
import { decideRootCause, ROOT_CAUSE_CUE } from './rootcause';
import type { Language, ModelBundle, RootCause, SentimentLabel, TextAnalysis, TextAnalyzer } from './types';

export type { Language, SentimentLabel, RootCause, TextAnalysis, TextAnalyzer, ModelBundle } from './types';
export { ROOT_CAUSES } from './types';

/** A text needs at least one letter, digit or emoji to be analysed. */
const CONTENT = /[\p{L}\p{N}\p{Extended_Pictographic}]/u;

/** A complaint pattern does not overrule a model that is at least this sure the text is positive. */
const COMPLAINT_MAX_POSITIVE = 0.5;

/** Below this many lexicon polarity points a text does not get the 'strong wording' cue. */
const STRONG_WORDING = 4;

interface LanguageModels {
  sentiment?: Classifier<SentimentLabel>;
  rootCause?: Classifier<RootCause>;
}

function probsFromLexicon(a: Analysed): [number, number, number] {
  // Used only without a trained model: a soft vote of the lexicon.
  const s = Math.tanh((a.lexPos - a.lexNeg) / 3);
  if (s < -0.2) return [0.5 + 0.5 * -s, 0.5 - 0.5 * -s, 0];
  if (s > 0.2) return [0, 0.5 - 0.5 * s, 0.5 + 0.5 * s];
  return [0.2, 0.6, 0.2];
}

export function createTextAnalyzer(models: ModelBundle): TextAnalyzer {
  const modelVersion = models.version;
  const byLang: Record<Language, LanguageModels> = { en: {}, de: {} };
  for (const lang of ['en', 'de'] as const) {
    const s = models.sentiment[lang];
    const r = models.rootCause[lang];
    if (s) byLang[lang].sentiment = createClassifier(s);
    if (r) byLang[lang].rootCause = createClassifier(r);
  }

  return {
    modelVersion,
    analyze(text: string, languageHint?: string): TextAnalysis {
      const input = typeof text === 'string' ? text : String(text ?? '');
      const language = detectLanguage(input, languageHint);
      if (!CONTENT.test(input)) {
        // Nothing to read (empty, whitespace, punctuation only): say so instead
        // of returning the model's prior.
        return { language, sentiment: 0, label: 'neutral', sentimentConfidence: 0, rootCause: 'other', legalThreat: false, legalScore: 0, churnIntent: 0, cues: [], modelVersion };
      }
      const lm = byLang[language];
      const a = lm.sentiment ? lm.sentiment.analyse(input, language) : analyseText(input, language, DEFAULT_FEATURES);
      let pNeg: number;
      let pNeu: number;
      let pPos: number;
      if (lm.sentiment) {
        const p = lm.sentiment.probabilities(a);
        const l = lm.sentiment.labels;
        pNeg = p[l.indexOf('negative')];
        pNeu = p[l.indexOf('neutral')];
        pPos = p[l.indexOf('positive')];
      } else [pNeg, pNeu, pPos] = probsFromLexicon(a);

      // Complaint constructions overrule a neutral/weakly positive reading; see complaint.ts.
      const complaint = complaintPatterns(input, language);
      if (complaint.length > 0 && pPos < COMPLAINT_MAX_POSITIVE && pNeg < pNeu + pPos) {
        const target = Math.min(0.9, 0.5 + 0.1 * complaint.length);
        const rest = (1 - target) / (pNeu + pPos);
        pNeu *= rest;
        pPos *= rest;
        pNeg = target;
      }
      let label: SentimentLabel = 'neutral';
      if (pNeg >= pNeu && pNeg >= pPos) label = 'negative';
      else if (pPos > pNeu && pPos > pNeg) label = 'positive';
      const sentiment = Math.max(-1, Math.min(1, pPos - pNeg));
      const sentimentConfidence = Math.max(pNeg, pNeu, pPos);

      const legal = detectLegal(input);
      // Praise has no root cause to act on; neutral texts keep theirs because a
      // question like "how do I cancel?" is exactly what churn scoring needs.
      const rc = label === 'positive' ? { rootCause: 'other' as RootCause } : decideRootCause(input, input.trim() ? a : null, lm.rootCause);

      const churn = detectChurnIntent(input, language);
      const cues = [...churn.cues, ...legal.cues];
      if (a.lexNeg >= STRONG_WORDING && label === 'negative') {
        cues.push(`strong negative wording (${a.negWords.map((w) => `"${w}"`).join(', ') || 'several negative words'})`);
      }
      for (const c of complaint) cues.push(`complaint pattern: ${c}`);
      if (label === 'negative' && rc.rootCause !== 'other') cues.push(`complaint ${ROOT_CAUSE_CUE[rc.rootCause]}`);
      if (label === 'positive' && pPos >= 0.8) cues.push('clearly positive wording');

      return {
        language,
        sentiment: round3(sentiment),
        label,
        sentimentConfidence: round3(sentimentConfidence),
        rootCause: rc.rootCause,
        legalThreat: legal.legalThreat,
        legalScore: legal.legalScore,
        churnIntent: churn.churnIntent,
        cues,
        modelVersion,
      };
    },
  };
}


const round3 = (x: number) => Math.round(x * 1000) / 1000;

const cache = new Map<string, TextAnalyzer>();

/** Default model directory: <repo>/models. */
const DEFAULT_MODEL_DIR = path.resolve(__dirname, '../models');

/**
 * Reads <modelDir>/manifest.json and the weight files it lists, once per
 * directory. Without a manifest it falls back to the lexicon-only analyzer
 * (version 'text-lexicon-0') so the platform keeps running.
 */
export function loadTextAnalyzer(modelDir: string = DEFAULT_MODEL_DIR): TextAnalyzer {
  const dir = path.resolve(modelDir);
  let analyzer = cache.get(dir);
  if (!analyzer) {
    const manifest = path.join(dir, 'manifest.json');
    const bundle: ModelBundle = fs.existsSync(manifest)
      ? decodeBundle(fs.readFileSync(manifest, 'utf8'), (f) => fs.readFileSync(path.join(dir, f)))
      : { version: 'text-lexicon-0', sentiment: {}, rootCause: {} };
    analyzer = createTextAnalyzer(bundle);
    cache.set(dir, analyzer);
  }
  return analyzer;
}
