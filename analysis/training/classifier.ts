// One-vs-rest linear SVMs over hashed features, turned into probabilities by
// a small multinomial calibrator fitted on out-of-fold scores (so the
// calibrator sees scores like those of unseen text, not over-confident
// training-set scores).
import type { Features } from '../features';
import type { LinearTable } from '../linear-model';
import { trainSoftmax, trainSvmDual } from './linear';
import { buildVocab, subsetRows, toCsr, type Csr } from './matrix';
import { stratifiedFolds } from './split';

export interface ClassifierOptions {
  /** SVM cost. */
  c: number;
  /** Per-class multiplier of C (class weighting), index = class. */
  classWeight?: number[];
  minDf: number;
  folds: number;
  seed: number;
  /** Drop weights whose magnitude is below this after training. */
  pruneBelow: number;
}

export interface TrainedClassifier {
  table: LinearTable;
  /** K×K row-major and K bias of the calibrator. */
  calibA: number[];
  calibB: number[];
  /** Out-of-fold calibrated probabilities for the training rows (n × K). */
  oof: Float64Array;
}

function trainOvr(m: Csr, y: Int32Array, k: number, o: ClassifierOptions, sw?: Float64Array) {
  const w = new Float64Array(m.cols * k);
  const b = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const yy = Float64Array.from(y, (v) => (v === c ? 1 : -1));
    let weights = sw;
    if (o.classWeight) {
      weights = new Float64Array(y.length);
      for (let i = 0; i < y.length; i++) weights[i] = (sw ? sw[i] : 1) * o.classWeight[y[i]];
    }
    const r = trainSvmDual(m, yy, { c: o.c, sampleWeight: weights, seed: o.seed + c });
    for (let j = 0; j < m.cols; j++) w[j * k + c] = r.w[j];
    b[c] = r.b;
  }
  return { w, b };
}

function scoreRows(m: Csr, w: Float64Array, b: Float64Array, k: number): Float64Array {
  const out = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) {
    for (let c = 0; c < k; c++) out[i * k + c] = b[c];
    for (let p = m.ptr[i]; p < m.ptr[i + 1]; p++) {
      const base = m.idx[p] * k;
      const v = m.val[p];
      for (let c = 0; c < k; c++) out[i * k + c] += w[base + c] * v;
    }
  }
  return out;
}

function scoresAsCsr(s: Float64Array, n: number, k: number): Csr {
  const ptr = new Int32Array(n + 1);
  const idx = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    ptr[i + 1] = (i + 1) * k;
    for (let c = 0; c < k; c++) idx[i * k + c] = c;
  }
  return { rows: n, cols: k, ptr, idx, val: s };
}

export function trainClassifier(
  x: readonly Features[],
  y: Int32Array,
  k: number,
  o: ClassifierOptions,
  sampleWeight?: Float64Array,
): TrainedClassifier {
  const vocab = buildVocab(x, o.minDf);
  const m = toCsr(x, vocab.col);
  const n = x.length;

  // Out-of-fold scores for the calibrator.
  const strata = Array.from(y, String);
  const fold = stratifiedFolds(strata, o.folds, o.seed);
  const oofScores = new Float64Array(n * k);
  for (let f = 0; f < o.folds; f++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? te : tr).push(i);
    const sw = sampleWeight ? Float64Array.from(tr, (i) => sampleWeight[i]) : undefined;
    const model = trainOvr(subsetRows(m, tr), Int32Array.from(tr, (i) => y[i]), k, o, sw);
    const s = scoreRows(subsetRows(m, te), model.w, model.b, k);
    te.forEach((i, r) => {
      for (let c = 0; c < k; c++) oofScores[i * k + c] = s[r * k + c];
    });
  }
  const cal = trainSoftmax(scoresAsCsr(oofScores, n, k), y, k, { l2: 1e-4, maxIter: 200, tol: 1e-9 });
  const calibA: number[] = [];
  for (let c = 0; c < k; c++) for (let j = 0; j < k; j++) calibA.push(cal.w[j * k + c]);
  const calibB = Array.from(cal.b);
  const oof = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = calibB[c];
      for (let j = 0; j < k; j++) z += calibA[c * k + j] * oofScores[i * k + j];
      oof[i * k + c] = z;
      mx = Math.max(mx, z);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += oof[i * k + c] = Math.exp(oof[i * k + c] - mx);
    for (let c = 0; c < k; c++) oof[i * k + c] /= sum;
  }

  // Final model on all rows.
  const full = trainOvr(m, y, k, o, sampleWeight);
  const keep: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    let mx = 0;
    for (let c = 0; c < k; c++) mx = Math.max(mx, Math.abs(full.w[j * k + c]));
    if (mx >= o.pruneBelow) keep.push(j);
  }
  const keys = new Uint32Array(keep.length);
  const weights = new Float32Array(keep.length * k);
  keep.forEach((j, r) => {
    keys[r] = vocab.hashes[j];
    for (let c = 0; c < k; c++) weights[r * k + c] = full.w[j * k + c];
  });
  return { table: { k, keys, weights, bias: Array.from(full.b, (v) => Math.fround(v)) }, calibA, calibB, oof };
}
