import { expect } from 'chai';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../../scripts/temporal-cli';
import { ensureSearchAttributes } from '../../worker/search-attributes';

describe('search attributes on a Temporal cluster', () => {
  it('registers the missing ones once, with their types, so operators can filter journeys', async function () {
    this.timeout(60_000);
    const server = await startDevServer({ uiPort: null, registerSearchAttributes: false, log: () => {} });
    const connection = await Connection.connect({ address: server.address });
    try {
      expect(await ensureSearchAttributes(connection, 'default')).to.have.members(['CustomerId', 'RiskTier', 'RiskScore', 'OpenAlertTypes', 'Segment']);
      expect(await ensureSearchAttributes(connection, 'default'), 'second start adds nothing').to.deep.equal([]);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(customAttributes).to.include.keys('CustomerId', 'OpenAlertTypes');
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
