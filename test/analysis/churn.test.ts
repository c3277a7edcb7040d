import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTextAnalyzer } from '../../analysis';
import { detectChurnIntent } from '../../analysis/churn';
import { assessRisk } from '../../domain/risk';
import { evaluatePerSignalRules } from '../../domain/rules';

// Cases come from the dev set (analysis/eval/dev), never from the frozen test set.
const intent = (t: string, lang: 'en' | 'de' = 'en') => detectChurnIntent(t, lang).churnIntent;

describe('churn intent (analysis/churn.ts)', () => {
  it('counts first-person, imperative, conditional, done and question forms (en)', () => {
    for (const t of [
      'I want to cancel my broadband, it has been useless all month.',
      'Fix the outage or I am switching to Vodafone next week.',
      'Please terminate my life insurance contract.',
      'I cancelled my water softener service last month but you still bill me.',
      'How can I delete my account permanently?',
      'Not renewing. The product has not improved in a year.',
      'Never flying this airline again.',
    ]) expect(intent(t), t).to.be.at.least(0.75);
  });

  it('does not count negated, third-party, provider-side, transaction or same-provider cases (en)', () => {
    for (const t of [
      "I'm not going to cancel, just fix the line please.",
      'My husband is thinking about switching providers, can you give him a better offer?',
      'Cancel the standing order to my landlord, please.',
      'Why did my account get closed without any notice?',
      'Flight cancelled again, no hotel, no food vouchers.',
      'Can I cancel my booking and get a voucher?',
      'Please switch my plan to the team tier.',
      'Unsubscribe me from your marketing emails.',
    ]) expect(intent(t), t).to.equal(0);
  });

  it('handles German inflections, compounds and word order', () => {
    for (const t of [
      'Ich kündige, die Rechnung ist falsch und niemand antwortet. Unverschämt!',
      'Mir reicht es, ich wechsle morgen zu einer anderen Bank',
      'Kündigungsbestätigung bitte an meine neue Adresse.',
      'Den Vertrag werde ich zum Jahresende kündigen.',
      'Falls die Abschläge nicht sinken, wechsle ich.',
      'Ich bin zu einem günstigeren Anbieter gewechselt.',
      'Wir steigen auf eine andere Software um.',
      'Das Abo wird nicht verlängert.',
      'Trotz Kündigung wird weiter abgebucht.',
    ]) expect(intent(t, 'de'), t).to.be.at.least(0.75);
    for (const t of [
      'Ich kündige nicht, aber ich erwarte eine Entschädigung.',
      'Mein Mann möchte seinen Vertrag kündigen, geht das online?',
      'Die Bank hat mir das Konto gekündigt, warum?',
      'Bitte wechseln Sie mich in den Business-Tarif.',
      'Bitte stornieren Sie die Bestellung von gestern.',
      'Bahn-Chef Grube kündigt neue Verbindungen an',
      'Ich muss in Göttingen umsteigen',
    ]) expect(intent(t, 'de'), t).to.equal(0);
  });

  it('says so in the cues', () => {
    expect(detectChurnIntent('Please close my savings account.', 'en').cues[0]).to.match(/^states an intent to leave/);
    expect(detectChurnIntent('My son wants to cancel his phone contract', 'en').cues[0]).to.match(/someone else/);
  });

  describe('through the analyzer, the risk model and the churn rule', () => {
    const analyzer = loadTextAnalyzer();
    const rules = (text: string, lang: 'en' | 'de') => {
      const a = analyzer.analyze(text, lang);
      const r = assessRisk({ text: a, signalType: 'feedback' });
      return { a, r, types: evaluatePerSignalRules({ ...r, legalThreat: a.legalThreat }).map((h) => h.type) };
    };

    it('fires churn_signal on the issue examples, calm or angry, and explains it', () => {
      for (const [t, lang] of [
        ['Ich kündige, die Rechnung ist falsch und niemand antwortet. Unverschämt!', 'de'],
        ['Mir reicht es, ich wechsle morgen zu einer anderen Bank', 'de'],
        ["I'd like to close my savings account please.", 'en'],
      ] as const) {
        const { r, types } = rules(t, lang);
        expect(types, t).to.include('churn_signal');
        expect(r.contributions.map((c) => c.explanation).join(' ')).to.match(/states an intent to leave/);
      }
    });

    it('does not fire churn_signal on an angry complaint without intent', () => {
      for (const [t, lang] of [
        ['Worst airline ever, my flight was cancelled and nobody helped. Disgusting!', 'en'],
        ['Seit drei Tagen kein Netz, die Hotline ist eine Frechheit!', 'de'],
      ] as const) expect(rules(t, lang).types, t).not.to.include('churn_signal');
    });
  });

  it('the frozen test set exists and is untouched in shape (56 + 56 lines)', () => {
    const rows = fs.readFileSync(path.resolve(__dirname, '../../analysis/eval/frozen/churn-intent.jsonl'), 'utf8').trim().split('\n');
    expect(rows).to.have.length(112);
  });
});
