import { expect } from 'chai';
import { surveyLabels } from '../../db/labels';
import { eventually, h, uniqueCustomer, useApi } from '../harness';

describe('feedback loop: survey answers become labels', () => {
  const api = useApi();

  it('labels survey comments by their NPS score, in the training format, skipping answers without a comment', async () => {
    const customerId = uniqueCustomer('labels');
    await api.http.put(`/v1/customers/${customerId}`).send({ consents: { training: true } }).expect(201); // only with consent to training
    const survey = (id: string, nps: number, text?: string) => ({ id: `${customerId}-${id}`, customerId, type: 'survey_response', language: 'de', metadata: { nps }, ...(text ? { text } : {}) });
    await api.http
      .post('/v1/signals/batch')
      .send({ signals: [survey('a', 2, 'Seit Wochen keine Antwort vom Kundenservice'), survey('b', 10, 'Super, danke für die schnelle Hilfe'), survey('c', 7, 'Geht so'), survey('d', 3)] })
      .expect(202);
    const mine = await eventually(async () => {
      const all = await surveyLabels(h().db);
      const found = all.filter((l) => /Kundenservice|schnelle Hilfe|Geht so/.test(l.text));
      return found.length === 3 ? found : null;
    });
    expect(mine).to.deep.include.members([
      { text: 'Seit Wochen keine Antwort vom Kundenservice', language: 'de', label: 'negative' },
      { text: 'Super, danke für die schnelle Hilfe', language: 'de', label: 'positive' },
      { text: 'Geht so', language: 'de', label: 'neutral' },
    ]);
  });
});
