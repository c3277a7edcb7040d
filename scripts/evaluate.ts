// npm run evaluate — held-out metrics of the committed models (models/), the
// always-majority baseline for comparison, and the unseen-domain complaint check.
import { loadTextAnalyzer } from '../analysis';
import { checkComplaints, SERVICE_COMPLAINTS_DE } from '../analysis/training/complaints';
import { evaluateCorpus, loadCorpora } from '../analysis/training/pipeline';
import { SENTIMENT_LABELS } from '../analysis/types';

const f4 = (x: number) => x.toFixed(4);

function main(): void {
  const dir = process.argv[2];
  const analyzer = loadTextAnalyzer(dir);
  console.log(`model ${analyzer.modelVersion}`);
  for (const c of loadCorpora()) {
    const r = evaluateCorpus(analyzer, c);
    console.log(`\n${r.corpus} — held-out ${r.metrics.n} texts (model trained on the other ${c.train.length})`);
    console.log(`  model            accuracy ${f4(r.metrics.accuracy)}  macro-F1 ${f4(r.metrics.macroF1)}  negative-F1 ${f4(r.metrics.negativeF1)}`);
    console.log(
      `  always-${r.majority.label.padEnd(9)} accuracy ${f4(r.majority.metrics.accuracy)}  macro-F1 ${f4(r.majority.metrics.macroF1)}  negative-F1 ${f4(r.majority.metrics.negativeF1)}`,
    );
    console.log(`  per-class F1     ${SENTIMENT_LABELS.map((l) => `${l} ${f4(r.metrics.perClassF1[l])}`).join('  ')}`);
    console.log('  confusion (rows = gold, columns = predicted negative/neutral/positive):');
    for (const g of SENTIMENT_LABELS) console.log(`    ${g.padEnd(9)} ${SENTIMENT_LABELS.map((p) => String(r.metrics.confusion[g][p]).padStart(6)).join('')}`);
    console.log(`  root cause of negative texts: ${f4(r.rootCause.accuracy)} accuracy on ${r.rootCause.n} labelled complaints`);
  }
  const cc = checkComplaints(analyzer);
  console.log(`\nunseen domain (hand-written financial-services complaints): ${cc.n - cc.missed.length}/${cc.n} negative = ${(cc.negativeRate * 100).toFixed(1)}% (target >= 98%)`);
  for (const m of cc.missed) console.log(`  missed (${m.label}, ${m.sentiment}): ${m.text}`);
  const cd = checkComplaints(analyzer, SERVICE_COMPLAINTS_DE, 'de');
  console.log(`German service complaints (hand-written, not independent of the German complaint patterns): ${cd.n - cd.missed.length}/${cd.n} negative = ${(cd.negativeRate * 100).toFixed(1)}%`);
  for (const m of cd.missed) console.log(`  missed (${m.label}, ${m.sentiment}): ${m.text}`);
}

main();
