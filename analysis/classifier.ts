import { analyseText, type Analysed } from './features';
import { calibrate, createScorer, type LinearScorer } from './linear-model';
import type { ClassifierModel, Language } from './types';

/** Inference wrapper for a trained ClassifierModel: raw scores → calibrated probabilities. */
export interface Classifier<L extends string> {
  labels: readonly L[];
  model: ClassifierModel<L>;
  analyse(text: string, lang: Language): Analysed;
  /** Probabilities in `labels` order. `wordOnly` restricts to the word n-gram block. */
  probabilities(a: Analysed, wordOnly?: boolean): Float64Array;
}

export function createClassifier<L extends string>(model: ClassifierModel<L>): Classifier<L> {
  const scorer: LinearScorer = createScorer(model.table);
  const k = model.labels.length;
  const raw = new Float64Array(k);
  return {
    labels: model.labels,
    model,
    analyse: (text, lang) => analyseText(text, lang, model.features),
    probabilities(a, wordOnly = false) {
      scorer.score(a.features, raw, wordOnly ? a.features.nWord : undefined);
      return calibrate(raw, model.calibA, model.calibB, new Float64Array(k));
    },
  };
}
