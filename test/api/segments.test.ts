// Risk segments end to end: judged after each batch, stored with the criteria version, shown in the
// profile, the journey's search attribute and the audit trail; listed by segment and tier; judged
// again for everyone after a criteria change (the refresh workflow the schedule runs).
import { expect } from 'chai';
import { journeyWorkflowId } from '../../domain/messages';
import { SEGMENT_CRITERIA_VERSION } from '../../domain/segments';
import { eventually, h, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('risk segments', () => {
  const api = useApi();

  it('judges a customer after each batch and shows the segment in the profile, the search attribute, the lists and the audit trail', async () => {
    const customerId = uniqueCustomer('seg');
    await api.http.put(`/v1/customers/${customerId}`).send({ jurisdiction: 'DE', customerType: 'consumer' }).expect(201);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'My lawyer will sue you over this invoice.' }).expect(202);
    await waitProcessed(customerId, 1);
    const customer = (await api.http.get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(customer.segment).to.include({ id: 'legal_hold', version: SEGMENT_CRITERIA_VERSION });
    expect(customer.profile.segment, 'the profile shows it too').to.deep.equal(customer.segment);
    expect(customer.profile).to.include({ jurisdiction: 'DE', customerType: 'consumer' });

    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => ((await handle.describe()).searchAttributes.Segment as string[] | undefined)?.[0] === 'legal_hold', 10_000, 'Segment search attribute');

    const listed = (await api.http.get('/v1/customers').query({ segment: 'legal_hold', limit: 500 }).expect(200)).body;
    expect(listed.items.map((c: { id: string }) => c.id)).to.include(customerId);
    const entry = listed.items.find((c: { id: string }) => c.id === customerId);
    expect(entry).to.include({ segment: 'legal_hold', segmentVersion: SEGMENT_CRITERIA_VERSION });

    const overview = (await api.http.get('/v1/segments').expect(200)).body;
    expect(overview.version).to.equal(SEGMENT_CRITERIA_VERSION);
    const legal = overview.items.find((s: { id: string }) => s.id === 'legal_hold');
    expect(legal.customers).to.be.greaterThan(0);
    expect(legal.criteria).to.deep.equal({ openLegalThreat: true });
    expect(legal).to.have.keys('id', 'name', 'purpose', 'criteria', 'customers', 'nps');

    const audited = await h().db('audit_log').where({ action: 'segment.changed' }).whereRaw(`data->>'to' = 'legal_hold'`).orderBy('id', 'desc').first();
    expect(audited.data).to.include({ version: SEGMENT_CRITERIA_VERSION });
    expect(JSON.stringify(audited)).to.not.include(customerId);

    // Resolving the threat moves the customer out of legal hold at its next batch.
    const [alert] = (await api.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items;
    await api.http.post(`/v1/alerts/${alert.id}/resolve`).send({ note: 'settled' }).expect(200);
    await api.http.post('/v1/signals').send({ customerId, type: 'login' }).expect(202);
    await waitProcessed(customerId, 2);
    expect((await api.http.get(`/v1/customers/${customerId}`).expect(200)).body.segment.id).to.not.equal('legal_hold');
  });

  it('pages customers by segment and tier, and refuses a bad filter or cursor with 400', async () => {
    const ids = [uniqueCustomer('page'), uniqueCustomer('page'), uniqueCustomer('page')];
    for (const customerId of ids) await api.http.put(`/v1/customers/${customerId}`).send({ customerType: 'business' }).expect(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; segment: string }[]; nextCursor: string | null } } = await api.http
        .get('/v1/customers')
        .query({ segment: 'stable', limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...page.body.items.map((c) => c.id));
      expect(page.body.items.every((c) => c.segment === 'stable')).to.equal(true);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.include.members(ids);
    expect(new Set(seen).size, 'no repeats').to.equal(seen.length);
    for (const [q, field] of [[{ segment: 'vip' }, 'segment'], [{ tier: 'extreme' }, 'tier'], [{ cursor: 'abc' }, 'cursor'], [{ limit: 0 }, 'limit']] as const) {
      const res = await api.http.get('/v1/customers').query(q);
      expect(res.status, JSON.stringify(q)).to.equal(400);
      expect(res.body.error.details[0].field).to.equal(field);
    }
  });

  it('judges everyone again after a criteria change, and tells running journeys', async () => {
    const customerId = uniqueCustomer('refresh');
    await api.http.post('/v1/signals').send({ customerId, type: 'payment_failed' }).expect(202);
    await waitProcessed(customerId, 1);
    const judged = await h().db('customers').where({ id: customerId }).first();
    expect(judged.segment_version).to.equal(SEGMENT_CRITERIA_VERSION);
    // As if the criteria had changed since: an older version and another segment.
    await h().db('customers').where({ id: customerId }).update({ segment: 'stable', segment_version: 'segments-old' });
    const result = await h().client.workflow.execute('segmentRefreshWorkflow', { workflowId: `segments-refresh-test-${customerId}`, taskQueue: 'engagement', args: [{ pageSize: 2 }] });
    expect(result.version).to.equal(SEGMENT_CRITERIA_VERSION);
    expect(result.evaluated).to.be.greaterThan(0);
    const after = await h().db('customers').where({ id: customerId }).first();
    expect(after).to.include({ segment: judged.segment, segment_version: SEGMENT_CRITERIA_VERSION });
    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => ((await handle.describe()).searchAttributes.Segment as string[] | undefined)?.[0] === judged.segment, 10_000, 'search attribute after the refresh');
    // Nothing stale remains: a second run judges nobody.
    const again = await h().client.workflow.execute('segmentRefreshWorkflow', { workflowId: `segments-refresh-test2-${customerId}`, taskQueue: 'engagement', args: [{ pageSize: 100 }] });
    expect(again.evaluated).to.equal(0);
  });
});
