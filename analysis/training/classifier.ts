// One-vs-rest linear SVMs over hashed features, turned into probabilities by
// a small multinomial calibrator fitted on out-of-fold scores (so the
// calibrator sees scores like those of unseen text, not over-confident
// training-set scores).
import type { Features } from '../features';
import type { LinearTable } from '../linear-model';
import { trainSoftmax, trainSvmDual } from './linear';
import { buildVocab, mergeDuplicates, subsetRows, toCsr, type Csr } from './matrix';
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
  /**
   * Base learners stacked by the calibrator: 'svm' on the raw features,
   * 'nbsvm' on features scaled by per-class naive-Bayes log-count ratios
   * (Wang & Manning 2012). All are linear in the features, so the stack
   * collapses into one table and costs nothing at inference.
   */
  bases?: Array<'svm' | 'nbsvm'>;
  /** Smoothing of the NB log-count ratios. */
  nbAlpha?: number;
}

export interface TrainedClassifier {
  table: LinearTable;
  /** K×K row-major and K bias of the calibrator. */
  calibA: number[];
  calibB: number[];
  /** Out-of-fold calibrated probabilities for the training rows (n × K). */
  oof: Float64Array;
}

/** Per-class log-count ratio of feature presence, class c vs the rest. */
function nbRatios(m: Csr, y: Int32Array, c: number, alpha: number): Float64Array {
  const p = new Float64Array(m.cols).fill(alpha);
  const q = new Float64Array(m.cols).fill(alpha);
  for (let i = 0; i < m.rows; i++) {
    const t = y[i] === c ? p : q;
    for (let j = m.ptr[i]; j < m.ptr[i + 1]; j++) t[m.idx[j]] += 1;
  }
  let ps = 0;
  let qs = 0;
  for (let j = 0; j < m.cols; j++) {
    ps += p[j];
    qs += q[j];
  }
  const r = new Float64Array(m.cols);
  for (let j = 0; j < m.cols; j++) r[j] = Math.log(p[j] / ps / (q[j] / qs));
  return r;
}

function scaleColumns(m: Csr, s: Float64Array): Csr {
  const val = new Float64Array(m.val.length);
  for (let p = 0; p < m.val.length; p++) val[p] = m.val[p] * s[m.idx[p]];
  return { ...m, val };
}

function trainOvr(m: Csr, y: Int32Array, k: number, o: ClassifierOptions, sw?: Float64Array, base: 'svm' | 'nbsvm' = 'svm') {
  const w = new Float64Array(m.cols * k);
  const b = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const r = base === 'nbsvm' ? nbRatios(m, y, c, o.nbAlpha ?? 1) : null;
    const mc = r ? scaleColumns(m, r) : m;
    const yy = Float64Array.from(y, (v) => (v === c ? 1 : -1));
    let weights = sw;
    if (o.classWeight) {
      weights = new Float64Array(y.length);
      for (let i = 0; i < y.length; i++) weights[i] = (sw ? sw[i] : 1) * o.classWeight[y[i]];
    }
    const fit = trainSvmDual(mc, yy, { c: o.c, sampleWeight: weights, seed: o.seed + c });
    for (let j = 0; j < m.cols; j++) w[j * k + c] = fit.w[j] * (r ? r[j] : 1);
    b[c] = fit.b;
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

/**
 * `aux` are optional binary side tasks (0/1 per row, e.g. GermEval's
 * "is this about Deutsche Bahn at all"); each adds one SVM score to the
 * calibrator's inputs, so the main decision can lean on them.
 */
export function trainClassifier(
  x: readonly Features[],
  y: Int32Array,
  k: number,
  o: ClassifierOptions,
  sampleWeight?: Float64Array,
  aux: readonly Int32Array[] = [],
): TrainedClassifier {
  const merged = x.map(mergeDuplicates);
  const vocab = buildVocab(merged, o.minDf);
  const m = toCsr(merged, vocab.col);
  const n = x.length;

  // Out-of-fold scores of every base learner, input of the calibrator.
  const bases = o.bases ?? ['svm'];
  // Every producer maps rows to kp score columns; all are linear in the features.
  const producers: Array<{ kp: number; fit: (mm: Csr, rows: readonly number[], sw?: Float64Array) => { w: Float64Array; b: Float64Array } }> = [
    ...bases.map((base) => ({ kp: k, fit: (mm: Csr, rows: readonly number[], sw?: Float64Array) => trainOvr(mm, Int32Array.from(rows, (i) => y[i]), k, o, sw, base) })),
    ...aux.map((ya) => ({
      kp: 1,
      fit: (mm: Csr, rows: readonly number[], sw?: Float64Array) => {
        const r = trainSvmDual(mm, Float64Array.from(rows, (i) => (ya[i] ? 1 : -1)), { c: o.c, sampleWeight: sw, seed: o.seed + 99 });
        return { w: r.w, b: Float64Array.of(r.b) };
      },
    })),
  ];
  const kb = producers.reduce((s, p) => s + p.kp, 0);
  const strata = Array.from(y, String);
  const fold = stratifiedFolds(strata, o.folds, o.seed);
  const oofScores = new Float64Array(n * kb);
  for (let f = 0; f < o.folds; f++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? te : tr).push(i);
    const sw = sampleWeight ? Float64Array.from(tr, (i) => sampleWeight[i]) : undefined;
    const mtr = subsetRows(m, tr);
    const mte = subsetRows(m, te);
    let off = 0;
    for (const p of producers) {
      const model = p.fit(mtr, tr, sw);
      const s = scoreRows(mte, model.w, model.b, p.kp);
      te.forEach((i, r) => {
        for (let c = 0; c < p.kp; c++) oofScores[i * kb + off + c] = s[r * p.kp + c];
      });
      off += p.kp;
    }
  }
  const cal = trainSoftmax(scoresAsCsr(oofScores, n, kb), y, k, { l2: 1e-4, maxIter: 300, tol: 1e-10 });
  // A[c][j]: weight of stacked score j in calibrated logit c.
  const A = (c: number, j: number) => cal.w[j * k + c];
  const oof = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = cal.b[c];
      for (let j = 0; j < kb; j++) z += A(c, j) * oofScores[i * kb + j];
      oof[i * k + c] = z;
      mx = Math.max(mx, z);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += oof[i * k + c] = Math.exp(oof[i * k + c] - mx);
    for (let c = 0; c < k; c++) oof[i * k + c] /= sum;
  }

  // Final base models on all rows, collapsed through the calibrator into one
  // table whose scores are already calibrated logits.
  const w = new Float64Array(m.cols * k);
  const b = Float64Array.from(cal.b);
  const all = Array.from({ length: n }, (_, i) => i);
  let off = 0;
  for (const p of producers) {
    const full = p.fit(m, all, sampleWeight);
    for (let c = 0; c < k; c++) {
      for (let kk = 0; kk < p.kp; kk++) {
        const a = A(c, off + kk);
        b[c] += a * full.b[kk];
        for (let j = 0; j < m.cols; j++) w[j * k + c] += a * full.w[j * p.kp + kk];
      }
    }
    off += p.kp;
  }
  const keep: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    let mx = 0;
    for (let c = 0; c < k; c++) mx = Math.max(mx, Math.abs(w[j * k + c]));
    if (mx >= o.pruneBelow) keep.push(j);
  }
  const keys = new Uint32Array(keep.length);
  const weights = new Float32Array(keep.length * k);
  keep.forEach((j, r) => {
    keys[r] = vocab.hashes[j];
    for (let c = 0; c < k; c++) weights[r * k + c] = w[j * k + c];
  });
  const identity: number[] = [];
  for (let c = 0; c < k; c++) for (let j = 0; j < k; j++) identity.push(c === j ? 1 : 0);
  return {
    table: { k, keys, weights, bias: Array.from(b, (v) => Math.fround(v)) },
    calibA: identity,
    calibB: new Array<number>(k).fill(0),
    oof,
  };
}
