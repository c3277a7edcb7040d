import { expect } from 'chai';
import { assessRisk, tierFor, type TextFindings } from '../../domain/risk';

const angry: TextFindings = {
  language: 'en',
  sentiment: -0.9,
  label: 'negative',
  rootCause: 'delivery_delay',
  legalThreat: false,
  legalScore: 0,
  cues: ['strong negative wording'],
};

describe('risk assessment', () => {
  it('keeps every component and the score in [0, 1]', () => {
    const r = assessRisk({ text: { ...angry, legalThreat: true, legalScore: 1 }, signalType: 'cancellation_request', history: { complaints7d: 9, tickets30d: 9, failedPayments30d: 9, sessionErrors24h: 9 } });
    for (const v of [...Object.values(r.risk), r.score]) expect(v).to.be.within(0, 1);
  });

  it('raises churn from behaviour alone: a cancellation request without text', () => {
    const r = assessRisk({ text: null, signalType: 'cancellation_request' });
    expect(r.risk.churn).to.be.greaterThan(0.5);
    expect(r.risk.financial).to.be.greaterThan(0.4);
  });

  it('counts the customer’s recent complaints: the third complaint in a week weighs more than the first', () => {
    const first = assessRisk({ text: angry, signalType: 'feedback' });
    const third = assessRisk({ text: angry, signalType: 'feedback', history: { complaints7d: 2, tickets30d: 0, failedPayments30d: 0, sessionErrors24h: 0 } });
    expect(third.risk.churn).to.be.greaterThan(first.risk.churn);
    expect(third.score).to.be.greaterThan(first.score);
    expect(third.contributions.map((c) => c.explanation).join(' ')).to.match(/3rd complaint in 7 days/);
  });

  it('uses upstream values where given and records them as upstream', () => {
    const r = assessRisk({ text: angry, signalType: 'feedback', upstream: { churn: 0.2, tier: 'critical', sentiment: 0.5 } });
    expect(r.risk.churn).to.equal(0.2);
    expect(r.tier).to.equal('critical');
    expect(r.sentiment).to.equal(0.5);
    expect(r.label).to.equal('positive');
    expect(r.upstreamFields).to.have.members(['churn', 'tier', 'sentiment']);
  });

  it('treats an explicit legal threat as high risk at least', () => {
    const r = assessRisk({ text: { ...angry, sentiment: -0.3, legalThreat: true }, signalType: 'feedback' });
    expect(r.risk.legal).to.be.at.least(0.9);
    expect(['high', 'critical']).to.include(r.tier);
  });

  it('explains the score: contributions add up to it', () => {
    const r = assessRisk({ text: angry, signalType: 'review' });
    const sum = r.contributions.reduce((s, c) => s + c.weight, 0);
    expect(sum).to.be.closeTo(r.score, 0.01);
    expect(r.contributions[0].explanation).to.be.a('string').and.not.be.empty;
  });

  it('tiers by documented cut-offs', () => {
    expect([0.1, 0.35, 0.6, 0.85].map(tierFor)).to.deep.equal(['low', 'moderate', 'high', 'critical']);
  });
});

describe('risk assessment: stated intent to leave', () => {
  const calm: TextFindings = { language: 'de', sentiment: -0.1, label: 'neutral', rootCause: 'other', legalThreat: false, legalScore: 0, cues: [] };

  it('a stated intent is its own named churn contribution and passes the calm churn path', () => {
    const r = assessRisk({ text: { ...calm, churnIntent: 0.95 }, signalType: 'feedback' });
    expect(r.risk.churn).to.be.greaterThan(0.8);
    expect(r.contributions.find((c) => c.factor === 'churn')!.explanation).to.match(/states an intent to leave/);
  });

  it('negativity alone keeps churn at or below 0.5 (no churn_signal from wording alone)', () => {
    const r = assessRisk({ text: { ...calm, sentiment: -1, rootCause: 'cancellation' }, signalType: 'feedback' });
    expect(r.risk.churn).to.be.at.most(0.5);
  });

  it('older producers without churnIntent still score', () => {
    const r = assessRisk({ text: calm, signalType: 'feedback' });
    expect(r.risk.churn).to.be.within(0, 0.1);
  });
});
