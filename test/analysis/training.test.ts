import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyseText, DEFAULT_FEATURES } from '../../analysis/features';
import { decodeTable, encodeTable } from '../../analysis/model-io';
import { trainClassifier } from '../../analysis/training/classifier';
import { parseCsv } from '../../analysis/training/data';
import { readExtra } from '../../analysis/training/pipeline';
import { stratifiedHoldout } from '../../analysis/training/split';

// A small synthetic corpus: enough to exercise every training step quickly.
const POS = ['great flight thanks', 'love the crew', 'awesome service thank you', 'so happy with the upgrade', 'best airline ever'];
const NEG = ['flight delayed again', 'lost my bag terrible', 'rude agent awful', 'cancelled and no refund', 'worst service ever'];
const NEU = ['what time is boarding', 'is there wifi on board', 'flying to denver tomorrow', 'can i change my seat', 'where is gate b'];
function corpus() {
  const texts: string[] = [];
  const y: number[] = [];
  for (let r = 0; r < 6; r++) {
    [NEG, NEU, POS].forEach((list, c) => list.forEach((t) => {
      texts.push(`${t} ${r}`);
      y.push(c);
    }));
  }
  return { x: texts.map((t) => analyseText(t, 'en', DEFAULT_FEATURES).features), y: Int32Array.from(y) };
}

describe('training', () => {
  it('is deterministic: training twice gives byte-identical model files', () => {
    const opts = { c: 0.3, minDf: 1, folds: 3, seed: 7, pruneBelow: 1e-3 };
    const a = corpus();
    const m1 = trainClassifier(a.x, a.y, 3, opts);
    const m2 = trainClassifier(a.x, a.y, 3, opts);
    expect(encodeTable(m1.table).equals(encodeTable(m2.table))).to.equal(true);
    expect(m1.calibA).to.deep.equal(m2.calibA);
  });

  it('learns the synthetic task and round-trips through the binary format', () => {
    const a = corpus();
    const m = trainClassifier(a.x, a.y, 3, { c: 0.3, minDf: 1, folds: 3, seed: 7, pruneBelow: 1e-3 });
    const back = decodeTable(encodeTable(m.table), m.table.bias);
    expect(back.keys).to.deep.equal(m.table.keys);
    for (let i = 0; i < m.table.weights.length; i++) expect(back.weights[i]).to.be.closeTo(m.table.weights[i], 1e-3);
    let ok = 0;
    for (let i = 0; i < a.y.length; i++) {
      const p = [0, 1, 2].map((c) => m.oof[i * 3 + c]);
      if (p.indexOf(Math.max(...p)) === a.y[i]) ok++;
    }
    expect(ok / a.y.length).to.be.greaterThan(0.8);
  });

  it('splits stratified and reproducibly', () => {
    const strata = Array.from({ length: 1000 }, (_, i) => (i % 10 < 7 ? 'a' : 'b'));
    const h1 = stratifiedHoldout(strata, 0.2, 1);
    const h2 = stratifiedHoldout(strata, 0.2, 1);
    expect([...h1]).to.deep.equal([...h2]);
    expect(h1.size).to.equal(200);
    expect([...h1].filter((i) => strata[i] === 'a').length).to.equal(140);
  });

  it('parses quoted CSV fields with commas, quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, ""y""\nz",2\n')).to.deep.equal([['a', 'b'], ['x, "y"\nz', '2']]);
  });

  it('reads the feedback-loop JSONL and rejects bad lines with their line number', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extra-'));
    const good = path.join(dir, 'good.jsonl');
    fs.writeFileSync(good, '{"text":"App crashed again","language":"en","label":"negative","rootCause":"technical_outage"}\n\n{"text":"Alles super","language":"de","label":"positive"}\n');
    expect(readExtra(good)).to.have.length(2);
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"text":"ok","language":"en","label":"neutral"}\n{"text":"x","language":"fr","label":"neutral"}\n');
    expect(() => readExtra(bad)).to.throw(/bad\.jsonl:2: "language"/);
  });
});
