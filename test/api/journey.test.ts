import { expect } from 'chai';
import { eventually, uniqueCustomer, useApi } from '../harness';

describe('a signal through the journey', () => {
  const api = useApi();

  it('turns a German lawyer threat into a crisis legal_threat alert with a German recommended action', async () => {
    const customerId = uniqueCustomer();
    const res = await api.http.post('/v1/signals').send({
      customerId,
      type: 'feedback',
      text: 'Wenn Sie mir das Geld nicht erstatten, schalte ich meinen Anwalt ein und verklage Sie!',
      language: 'de',
    });
    expect(res.status).to.equal(202);
    expect(res.body.workflowId).to.equal(`customer-journey/${customerId}`);
    const list = await eventually(async () => {
      const r = await api.http.get('/v1/alerts').query({ customerId });
      return r.body.items.length ? r.body : null;
    }, 20_000, 'legal_threat alert');
    const alert = list.items.find((a: { type: string }) => a.type === 'legal_threat');
    expect(alert, JSON.stringify(list.items)).to.exist;
    expect(alert.severity).to.equal('crisis');
    expect(alert.recommendedAction.de).to.match(/Rechtsabteilung/);
    expect(alert.evidence.signalIds).to.deep.equal([res.body.signalId]);
  });
});
