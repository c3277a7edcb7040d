// Who may do what: the roles of API keys (README "Access"). Pure: the API and the CLI both use it.

export const ROLES = ['ingest', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do. An admin may do everything; operators and ingest keys are disjoint. */
const GRANTS: Record<Role, readonly Role[]> = {
  ingest: ['ingest'],
  operator: ['operator'],
  admin: ['ingest', 'operator', 'admin'],
};

export const grants = (held: Role, needed: Role) => GRANTS[held].includes(needed);

/** The caller behind a request: an API key, reduced to what decisions need. */
export interface Principal {
  keyId: string;
  /** The key's name: recorded as the actor of what the caller does. */
  name: string;
  role: Role;
  /** null: every customer. */
  customerIds: ReadonlySet<string> | null;
  upstreamAnalysis: boolean;
}

export const mayTouchCustomer = (p: Principal, customerId: string | null) =>
  p.customerIds === null || (customerId !== null && p.customerIds.has(customerId));

/** Upstream scores replace ours: only keys trusted with that may send them. */
export const maySendAnalysis = (p: Principal) => p.role === 'admin' || p.upstreamAnalysis;
