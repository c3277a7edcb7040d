import { expect } from 'chai';
import { journeyWorkflowId } from '../../domain/messages';
import { eventually, h, startApi, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

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

  it('ends when idle and resumes where it left off: a repeat after the restart is suppressed, the open alert and counts carried', async () => {
    const quick = startApi({ ...testConfig(), journeyIdleTimeoutMs: 1500 });
    const customerId = uniqueCustomer('resume');
    const threat = (text: string) => quick.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text }).expect(202);
    await threat('I will sue you, my lawyer is informed.');
    await waitProcessed(customerId, 1);
    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 20_000, 'journey to end when idle');

    await threat('My lawyer is preparing the lawsuit against you now.');
    const profile = await eventually(async () => {
      const d = await h().client.workflow.getHandle(journeyWorkflowId(customerId)).describe();
      return d.status.name === 'RUNNING' ? waitProcessed(customerId, 2) : null;
    }, 20_000, 'a new run to process the repeat');
    expect(profile.signalsProcessed, 'counted on from the saved memory').to.equal(2);
    expect(profile.openAlerts.map((a) => a.type)).to.deep.equal(['legal_threat']);
    const alerts = await h().db('alerts').where({ customer_id: customerId });
    expect(alerts.map((a) => [a.type, a.suppressed_count])).to.deep.equal([['legal_threat', 1]]);
  });
});

