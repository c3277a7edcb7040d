// npm run bench:analysis — texts/second of analyze() on one core over the real
// airline tweets (median of several timed passes after a warm-up pass).
import { loadTextAnalyzer } from '../analysis';
import { loadAirline } from '../analysis/training/data';

function main(): void {
  const analyzer = loadTextAnalyzer();
  const texts = loadAirline().map((e) => e.text);
  let sink = 0;
  const pass = () => {
    const t0 = process.hrtime.bigint();
    for (const t of texts) sink += analyzer.analyze(t).sentiment;
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  pass(); // warm-up: JIT and caches
  const runs = Array.from({ length: 7 }, pass).sort((a, b) => a - b);
  const median = runs[runs.length >> 1];
  const rate = texts.length / median;
  console.log(`analyze(): ${Math.round(rate)} texts/s on one core (median of ${runs.length} passes over ${texts.length} tweets, ${(1e6 / rate).toFixed(1)} µs/text, model ${analyzer.modelVersion})`);
  if (Number.isNaN(sink)) console.log('');
}

main();
