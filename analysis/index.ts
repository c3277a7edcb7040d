import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectLanguage } from './language';
import { detectLegal } from './legal';
import { lexiconScore } from './lexicon';
import { ruleRootCause } from './rootcause';
import type { ModelBundle, SentimentLabel, TextAnalysis, TextAnalyzer } from './types';

export type { Language, SentimentLabel, RootCause, TextAnalysis, TextAnalyzer, ModelBundle } from './types';
export { ROOT_CAUSES } from './types';

const EMPTY_BUNDLE: ModelBundle = { version: 'text-lexicon-0', sentiment: {} };

export function createTextAnalyzer(models: ModelBundle): TextAnalyzer {
  const modelVersion = models.version;
  return {
    modelVersion,
    analyze(text: string, languageHint?: string): TextAnalysis {
      const language = detectLanguage(text, languageHint);
      const tokens = text.toLowerCase().match(/[a-zäöüß]+/g) ?? [];
      const s = lexiconScore(tokens, language);
      const sentiment = Math.tanh(s / 2);
      const label: SentimentLabel = sentiment < -0.2 ? 'negative' : sentiment > 0.2 ? 'positive' : 'neutral';
      const legal = detectLegal(text);
      const cues = [...legal.cues];
      if (s <= -3) cues.push('strong negative wording');
      return {
        language,
        sentiment,
        label,
        sentimentConfidence: Math.min(1, 0.4 + Math.abs(sentiment) / 2),
        rootCause: label === 'negative' || legal.legalThreat ? (ruleRootCause(text, language) ?? 'other') : 'other',
        legalThreat: legal.legalThreat,
        legalScore: legal.legalScore,
        cues,
        modelVersion,
      };
    },
  };
}

const cache = new Map<string, TextAnalyzer>();

/** Reads <modelDir>/bundle.json once per directory; falls back to the lexicon model if absent. */
export function loadTextAnalyzer(modelDir: string = path.resolve(__dirname, '../models')): TextAnalyzer {
  const dir = path.resolve(modelDir);
  let analyzer = cache.get(dir);
  if (!analyzer) {
    const file = path.join(dir, 'bundle.json');
    const bundle = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ModelBundle) : EMPTY_BUNDLE;
    analyzer = createTextAnalyzer(bundle);
    cache.set(dir, analyzer);
  }
  return analyzer;
}
