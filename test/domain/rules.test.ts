import { expect } from 'chai';
import { applyCooldown, DEFAULT_THRESHOLDS, evaluatePerSignalRules, type ScoredSignal } from '../../domain/rules';

const calm: ScoredSignal = {
  sentiment: 0,
  legalThreat: false,
  tier: 'low',
  risk: { churn: 0, escalation: 0, legal: 0, reputation: 0, financial: 0 },
};
const types = (s: Partial<Omit<ScoredSignal, 'risk'>> & { risk?: Partial<ScoredSignal['risk']> }) =>
  evaluatePerSignalRules({ ...calm, ...s, risk: { ...calm.risk, ...s.risk } }).map((h) => h.type);

describe('per-signal alert rules at their thresholds', () => {
  describe('churn_signal: churn > 0.5 and sentiment < -0.3', () => {
    it('fires at churn 0.51 with sentiment -0.31', () => {
      expect(types({ risk: { churn: 0.51 }, sentiment: -0.31 })).to.include('churn_signal');
    });
    it('does not fire at churn exactly 0.5', () => {
      expect(types({ risk: { churn: 0.5 }, sentiment: -0.31 })).not.to.include('churn_signal');
    });
    it('does not fire at sentiment exactly -0.3', () => {
      expect(types({ risk: { churn: 0.51 }, sentiment: -0.3 })).not.to.include('churn_signal');
    });
  });

  describe('legal_threat: explicit flag or legal > 0.7, always crisis', () => {
    it('fires at legal 0.71 as a crisis', () => {
      const hits = evaluatePerSignalRules({ ...calm, risk: { ...calm.risk, legal: 0.71 } });
      expect(hits.map((h) => [h.type, h.severity])).to.deep.include(['legal_threat', 'crisis']);
    });
    it('does not fire at legal exactly 0.7', () => {
      expect(types({ risk: { legal: 0.7 } })).not.to.include('legal_threat');
    });
    it('fires on the explicit flag even with low legal risk', () => {
      expect(types({ legalThreat: true, risk: { legal: 0.1 } })).to.include('legal_threat');
    });
  });

  describe('critical_escalation: tier critical', () => {
    it('fires only for the critical tier', () => {
      expect(types({ tier: 'critical' })).to.include('critical_escalation');
      expect(types({ tier: 'high' })).not.to.include('critical_escalation');
    });
  });

  describe('high_risk_compound: 3 of 5 components above their moderate threshold', () => {
    it('fires with 3 components above 0.4', () => {
      expect(types({ risk: { churn: 0.41, escalation: 0.41, reputation: 0.41 } })).to.include('high_risk_compound');
    });
    it('does not fire with 2', () => {
      expect(types({ risk: { churn: 0.41, escalation: 0.41, reputation: 0.4 } })).not.to.include('high_risk_compound');
    });
  });

  it('fires nothing on a calm signal', () => {
    expect(types({})).to.deep.equal([]);
  });
});

describe('alert cooldown (event time)', () => {
  const hit = [{ type: 'churn_signal' }];
  const minute = 60_000;
  const cooldown = DEFAULT_THRESHOLDS.cooldownMinutes;

  it('suppresses the same type within the cooldown and lets it fire again after', () => {
    const first = applyCooldown(hit, 0, {}, cooldown);
    expect(first.fire).to.have.length(1);
    const second = applyCooldown(hit, 10 * minute, first.cooldowns, cooldown);
    expect(second.fire).to.have.length(0);
    expect(second.suppressed).to.have.length(1);
    const later = applyCooldown(hit, cooldown * minute, second.cooldowns, cooldown);
    expect(later.fire).to.have.length(1);
  });

  it('suppresses an out-of-order signal that happened shortly before the alert', () => {
    const first = applyCooldown(hit, 100 * minute, {}, cooldown);
    expect(applyCooldown(hit, 90 * minute, first.cooldowns, cooldown).suppressed).to.have.length(1);
  });

  it('keeps types apart', () => {
    const first = applyCooldown(hit, 0, {}, cooldown);
    expect(applyCooldown([{ type: 'legal_threat' }], minute, first.cooldowns, cooldown).fire).to.have.length(1);
  });
});
