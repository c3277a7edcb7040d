// npm run bench:analysis — texts/second of analyze() on one core over the real
// airline tweets (median of several timed passes after a warm-up pass).
// The figure is computed from this process's CPU time, so other work on a
// shared machine does not distort it; wall-clock throughput is printed too.
import { loadTextAnalyzer } from '../analysis';
import { loadAirline } from '../analysis/training/data';

function main(): void {
  const analyzer = loadTextAnalyzer();
  const texts = loadAirline().map((e) => e.text);
  let sink = 0;
  const pass = () => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const t of texts) sink += analyzer.analyze(t).sentiment;
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, wall };
  };
  pass(); // warm-up: JIT and caches
  const runs = Array.from({ length: 7 }, pass);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const cpu = median(runs.map((r) => r.cpu));
  const wall = median(runs.map((r) => r.wall));
  console.log(
    `analyze(): ${Math.round(texts.length / cpu)} texts/s per core ` +
      `(median CPU time of ${runs.length} passes over ${texts.length} tweets, ${((cpu / texts.length) * 1e6).toFixed(1)} µs/text; ` +
      `wall clock ${Math.round(texts.length / wall)} texts/s; model ${analyzer.modelVersion})`,
  );
  if (Number.isNaN(sink)) console.log('');
}

main();
