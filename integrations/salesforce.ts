// Salesforce Cases through @salesforce/core (jsforce underneath), from an access token and instance URL.
import type { CaseDraft, CrmCases } from './crm';

// @salesforce/core writes a log file under ~/.sf by default; a server logs through pino instead.
process.env.SF_DISABLE_LOG_FILE ??= 'true';

export interface SalesforceConfig {
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  /** An External ID text field on Case holding our escalation id (see README "Salesforce setup"). */
  escalationIdField: string;
}

type SfConnection = import('@salesforce/core').Connection;

const soqlString = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export class SalesforceCrm implements CrmCases {
  readonly mode = 'salesforce' as const;
  private conn: Promise<SfConnection> | undefined;

  constructor(private readonly config: SalesforceConfig) {}

  /** One connection per process, made on first use (AuthInfo asks the instance who the token belongs to). */
  private connection(): Promise<SfConnection> {
    this.conn ??= (async () => {
      const { AuthInfo, Connection } = await import('@salesforce/core');
      const { instanceUrl, accessToken, apiVersion } = this.config;
      const authInfo = await AuthInfo.create({ accessTokenOptions: { accessToken, instanceUrl, loginUrl: instanceUrl } });
      return Connection.create({ authInfo, connectionOptions: { version: apiVersion } });
    })().catch((err) => {
      this.conn = undefined; // the next attempt tries again
      throw err;
    });
    return this.conn;
  }

  async ensureCase(c: CaseDraft) {
    const conn = await this.connection();
    const field = this.config.escalationIdField;
    // A previous attempt may have created the case and failed before we stored its id.
    const found = await conn.query<{ Id: string }>(`SELECT Id FROM Case WHERE ${field} = ${soqlString(c.escalationId)} LIMIT 1`);
    if (found.records.length > 0) return { caseId: found.records[0].Id, created: false };
    const ext = c.customerExternalId;
    const record: Record<string, unknown> = {
      [field]: c.escalationId,
      Subject: c.subject.slice(0, 255),
      Description: c.description.slice(0, 32_000),
      Priority: c.priority,
      Origin: 'Web',
      Status: 'New',
      SuppliedName: c.contact.name,
      SuppliedEmail: c.contact.email,
      SuppliedPhone: c.contact.phone,
    };
    // The customer's external id links the case when it is a Salesforce Contact (003…) or Account (001…) id.
    if (ext && /^003[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(ext)) record.ContactId = ext;
    if (ext && /^001[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(ext)) record.AccountId = ext;
    const r = await conn.sobject('Case').create(record);
    if (!r.success || !r.id) throw new Error(`Salesforce refused the case: ${JSON.stringify((r as { errors?: unknown }).errors)}`);
    return { caseId: r.id, created: true };
  }

  async closeCase(caseId: string, comment: string) {
    const conn = await this.connection();
    const r = await conn.sobject('Case').update({ Id: caseId, Status: 'Closed', Comments: comment.slice(0, 4000) });
    if (!r.success) throw new Error(`Salesforce refused to close case ${caseId}: ${JSON.stringify((r as { errors?: unknown }).errors)}`);
  }
}
