import { expect } from 'chai';
import { detectLegal } from '../../analysis/legal';
import { loadTextAnalyzer } from '../../analysis';

// Hand-checked examples. Positives are explicit threats or formal escalation to
// a court, lawyer or regulator; negatives use the same words harmlessly.
const THREATS_EN = [
  'If this is not fixed by Friday I will sue you.',
  "I'm contacting my lawyer about this charge.",
  'My attorney will be in touch regarding the damaged equipment.',
  'See you in court.',
  'I am filing a complaint with the CFPB today.',
  'We are considering legal action against your company.',
  'This is going to small claims court if I do not get my refund.',
  'I have reported you to the Better Business Bureau and the attorney general.',
];
const THREATS_DE = [
  'Ich werde die Bahn verklagen!',
  'Mein Anwalt wird sich bei Ihnen melden.',
  'Ich wende mich jetzt an die Verbraucherzentrale.',
  'Wir behalten uns rechtliche Schritte vor.',
  'Ich habe Klage eingereicht.',
  'Das sehen wir vor Gericht wieder.',
  'Ich schalte jetzt die Schlichtungsstelle ein.',
];
const HARMLESS_EN = [
  'My lawyer friend recommended you, great service!',
  'My sister is an attorney and she loves flying with you.',
  'We grabbed lunch at the food court before boarding.',
  'Sue at the gate was wonderful, thank you.',
  'The new schedule suits me perfectly.',
  'The flight was late and the crew was rude.',
  'As a lawyer I travel a lot and your lounge is the best.',
];
const HARMLESS_DE = [
  'Das Gericht im Bordbistro war lecker.',
  'Pendler klagen über die vielen Verspätungen.',
  'Die Staatsanwaltschaft erhebt Anklage gegen den Lokführer.',
  'Mein Bruder ist Anwalt und fährt jeden Tag mit dem ICE.',
  'Der Zug hatte 40 Minuten Verspätung.',
];

describe('legal-threat detection', () => {
  for (const t of [...THREATS_EN, ...THREATS_DE]) {
    it(`flags: ${t}`, () => {
      const r = detectLegal(t);
      expect(r.legalThreat, JSON.stringify(r)).to.equal(true);
      expect(r.legalScore).to.be.greaterThan(0.6);
      expect(r.cues.length).to.be.greaterThan(0);
    });
  }
  for (const t of [...HARMLESS_EN, ...HARMLESS_DE]) {
    it(`does not flag: ${t}`, () => {
      const r = detectLegal(t);
      expect(r.legalThreat, JSON.stringify(r)).to.equal(false);
      expect(r.legalScore).to.be.lessThan(0.6);
    });
  }

  it('quotes the words that fired in the cue', () => {
    const a = loadTextAnalyzer().analyze('Ich habe meinen Anwalt eingeschaltet, das ist unverschämt.', 'de');
    expect(a.legalThreat).to.equal(true);
    expect(a.cues.some((c) => c.includes('lawyer') && c.includes('Anwalt'))).to.equal(true);
  });

  // Known limit, asserted so a change in behaviour is noticed: a bare mention
  // of a lawyer without possession or intent scores below the threat line.
  it('treats a bare mention of lawyers as a weak signal, not a threat', () => {
    const r = detectLegal('lawyers everywhere at this airport lol');
    expect(r.legalThreat).to.equal(false);
    expect(r.legalScore).to.be.greaterThan(0).and.lessThan(0.6);
  });
});

// Paraphrases, reported and negated threats (dev cases, not the frozen set in analysis/eval/frozen).
describe('legal threat: paraphrases, reported and negated threats', () => {
  const flag = (t: string) => detectLegal(t).legalThreat;
  for (const t of [
    'Let a judge sort this out then.',
    'I will claim damages for the ruined holiday.',
    'My legal insurance has the case now.',
    'Meine Rechtsschutz übernimmt das, wir sehen uns vor dem Richter.',
    'Den Betrag werde ich einklagen.',
    'Ich mache Sie für den Schaden haftbar.',
  ]) it(`flags: ${t}`, () => expect(flag(t)).to.equal(true));
  for (const t of [
    'She said she would sue them, not my business.',
    "We don't want to sue, just refund the fee.",
    'Ich will Sie nicht verklagen, nur mein Geld.',
    'Er meinte, er verklagt die Bahn, peinlich.',
    'I read an article about a lawsuit against some airline.',
    'Ich arbeite bei einer Kanzlei in Köln und pendle täglich.',
  ]) it(`does not flag: ${t}`, () => expect(flag(t)).to.equal(false));
});
