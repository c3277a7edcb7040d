// npm run evaluate [-- MODEL_DIR] [--details]
// Per language and per task, with 95 % confidence intervals, on held-out data the models
// never saw: sentiment and root cause on the content-hash held-out split of the corpora,
// churn intent (detector and the churn_signal rule end to end, per industry) and legal
// threats on the frozen hand-written test sets, plus the unseen-domain complaint checks.
// --details lists the frozen-set errors (read them, do not tune on them: use the dev set).
import { loadTextAnalyzer } from '../analysis';
import { bootstrapMacroF1, evaluateIntent, evaluateLegal, fmtRate, loadIntentSet, loadLegalSet, wilson } from '../analysis/eval/report';
import { checkComplaints, SERVICE_COMPLAINTS_DE } from '../analysis/training/complaints';
import { evaluateCorpus, HOLDOUT_FRACTION, loadCorpora } from '../analysis/training/pipeline';
import { SENTIMENT_LABELS } from '../analysis/types';

const f4 = (x: number) => x.toFixed(4);
const ci = ([a, b]: [number, number]) => `[${a.toFixed(3)}, ${b.toFixed(3)}]`;

function main(): void {
  const args = process.argv.slice(2);
  const details = args.includes('--details');
  const dir = args.find((a) => !a.startsWith('--'));
  const analyzer = loadTextAnalyzer(dir);
  console.log(`model ${analyzer.modelVersion}`);

  console.log(`\n== Sentiment and root cause — held-out split by content hash (lowest ${HOLDOUT_FRACTION * 100} % of SHA-256), never trained on`);
  for (const c of loadCorpora()) {
    const r = evaluateCorpus(analyzer, c);
    const m = r.metrics;
    const correct = SENTIMENT_LABELS.reduce((s, l) => s + m.confusion[l][l], 0);
    const gold = c.heldout.map((e) => e.label);
    const pred = c.heldout.map((e) => analyzer.analyze(e.text, c.language).label);
    console.log(`\n${r.corpus} — held-out ${m.n} texts (model trained on the other ${c.train.length})`);
    console.log(`  sentiment accuracy ${f4(m.accuracy)} ${ci(wilson(correct, m.n))}  macro-F1 ${f4(m.macroF1)} ${ci(bootstrapMacroF1(gold, pred))}  negative-F1 ${f4(m.negativeF1)}`);
    console.log(`  always-${r.majority.label.padEnd(9)}  accuracy ${f4(r.majority.metrics.accuracy)}  macro-F1 ${f4(r.majority.metrics.macroF1)}`);
    console.log(`  per-class F1       ${SENTIMENT_LABELS.map((l) => `${l} ${f4(m.perClassF1[l])}`).join('  ')}`);
    console.log('  confusion (rows = gold, columns = predicted negative/neutral/positive):');
    for (const g of SENTIMENT_LABELS) console.log(`    ${g.padEnd(9)} ${SENTIMENT_LABELS.map((p) => String(m.confusion[g][p]).padStart(6)).join('')}`);
    const rcOk = Math.round(r.rootCause.accuracy * r.rootCause.n);
    console.log(`  root cause of negative texts: accuracy ${f4(r.rootCause.accuracy)} ${ci(wilson(rcOk, r.rootCause.n))} on ${r.rootCause.n} labelled complaints`);
    const intents = c.heldout.filter((e) => analyzer.analyze(e.text, c.language).churnIntent >= 0.5).length;
    console.log(`  churn intent stated in ${intents} of ${c.heldout.length} held-out texts (${((100 * intents) / c.heldout.length).toFixed(1)}%; no labels — see the frozen set)`);
  }

  console.log('\n== Churn intent — frozen hand-written test set (analysis/eval/frozen), scored as a `feedback` signal without history');
  const frozen = loadIntentSet('frozen');
  const dev = loadIntentSet('dev');
  for (const lang of ['en', 'de'] as const) {
    const r = evaluateIntent(analyzer, frozen, lang);
    console.log(`\n${lang}: churn_signal recall on intent ${fmtRate(r.rule.recall)}   (target >= 90%)`);
    console.log(`    churn_signal on ordinary complaints ${fmtRate(r.rule.fireOnComplaints)}   (target <= 10%)`);
    console.log(`    churn_signal on hard negatives (negated, third party, one transaction, provider, same provider) ${fmtRate(r.rule.fireOnHardNegatives)}`);
    console.log(`    detector (churnIntent >= 0.5): recall ${fmtRate(r.detector.recall)}, false positives ${fmtRate(r.detector.falsePositive)}`);
    console.log('    per industry: churn_signal on intent | on non-intent');
    for (const [ind, x] of Object.entries(r.byIndustry)) console.log(`      ${ind.padEnd(10)} ${x.intentFired.k}/${x.intentFired.n} | ${x.nonIntentFired.k}/${x.nonIntentFired.n}`);
    if (details) for (const e of r.misses) console.log(`    ${e}`);
    const d = evaluateIntent(analyzer, dev, lang);
    console.log(`    dev set (patterns were tuned on it, optimistic): recall ${fmtRate(d.rule.recall)}, fire on non-intent ${d.rule.fireOnComplaints.k + d.rule.fireOnHardNegatives.k}/${d.rule.fireOnComplaints.n + d.rule.fireOnHardNegatives.n}`);
  }

  console.log('\n== Legal threat — frozen hand-written test set (explicit, paraphrased, conditional; quoted, negated, benign, complaints)');
  const legal = loadLegalSet();
  for (const lang of ['en', 'de'] as const) {
    const r = evaluateLegal(analyzer, legal, lang);
    console.log(`\n${lang}: precision ${fmtRate(r.precision)}  recall ${fmtRate(r.recall)}  (tp ${r.tp}, fp ${r.fp}, fn ${r.fn}, tn ${r.tn})`);
    for (const [k, x] of Object.entries(r.byKind)) console.log(`    ${k.padEnd(22)} correct ${x.k}/${x.n}`);
    if (details) for (const e of r.errors) console.log(`    ${e}`);
  }
  console.log('\n  legal threats flagged on the real held-out texts (no labels; read them):');
  for (const c of loadCorpora()) {
    const hits = c.heldout.filter((e) => analyzer.analyze(e.text, c.language).legalThreat);
    console.log(`    ${c.language}: ${hits.length} of ${c.heldout.length}`);
    for (const e of hits.slice(0, 8)) console.log(`      ${e.text.replace(/\s+/g, ' ').slice(0, 140)}`);
  }

  console.log('');
  const cc = checkComplaints(analyzer);
  console.log(`unseen domain (hand-written financial-services complaints): ${cc.n - cc.missed.length}/${cc.n} negative = ${(cc.negativeRate * 100).toFixed(1)}% ${ci(wilson(cc.n - cc.missed.length, cc.n))} (target >= 98%)`);
  for (const m of cc.missed) console.log(`  missed (${m.label}, ${m.sentiment}): ${m.text}`);
  const cd = checkComplaints(analyzer, SERVICE_COMPLAINTS_DE, 'de');
  console.log(`German service complaints (hand-written, not independent of the German complaint patterns): ${cd.n - cd.missed.length}/${cd.n} negative = ${(cd.negativeRate * 100).toFixed(1)}%`);
  for (const m of cd.missed) console.log(`  missed (${m.label}, ${m.sentiment}): ${m.text}`);
}

main();
