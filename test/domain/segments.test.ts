import { expect } from 'chai';
import { assignSegment, SEGMENTS, trendOf, type SegmentFeatures } from '../../domain/segments';

const base: SegmentFeatures = { tier: 'low', trend: 'steady', recentSignalTypes: [], jurisdiction: 'DE', customerType: 'consumer', openLegalThreat: false };

describe('risk segments (criteria)', () => {
  it('puts each customer in the first segment whose criteria all hold', () => {
    expect(assignSegment({ ...base, tier: 'critical', openLegalThreat: true })).to.equal('legal_hold');
    expect(assignSegment({ ...base, tier: 'critical' })).to.equal('critical');
    expect(assignSegment({ ...base, tier: 'high', trend: 'rising' })).to.equal('high_rising');
    expect(assignSegment({ ...base, tier: 'high', trend: 'falling' })).to.equal('high');
    expect(assignSegment({ ...base, tier: 'moderate', recentSignalTypes: ['cancellation_request'] })).to.equal('churn_intent');
    expect(assignSegment({ ...base, tier: 'low', recentSignalTypes: ['cancellation_request'] }), 'intent without risk').to.equal('stable');
    expect(assignSegment({ ...base, tier: 'moderate', customerType: 'business' })).to.equal('business_at_risk');
    expect(assignSegment({ ...base, tier: 'low', recentSignalTypes: ['payment_failed'] })).to.equal('payment_trouble');
    expect(assignSegment({ ...base, tier: 'moderate' })).to.equal('watch');
    expect(assignSegment({ ...base, tier: null, trend: 'unknown' })).to.equal('stable');
  });

  it('measures the trend against the week before, with a dead band of 0.15', () => {
    expect(trendOf(0.7, 0.5)).to.equal('rising');
    expect(trendOf(0.64, 0.5)).to.equal('steady');
    expect(trendOf(0.3, 0.5)).to.equal('falling');
    expect(trendOf(0.3, null)).to.equal('unknown');
  });

  it('documents every segment, ids are unique, and the last one catches everyone', () => {
    expect(new Set(SEGMENTS.map((d) => d.id)).size).to.equal(SEGMENTS.length);
    for (const d of SEGMENTS) expect(d.purpose.length, d.id).to.be.greaterThan(10);
    expect(SEGMENTS[SEGMENTS.length - 1].criteria).to.deep.equal({});
  });
});
