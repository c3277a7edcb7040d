// The worker bundles this module: it is the deterministic sandbox's only entry point.
export { customerJourneyWorkflow } from './journey';
export { windowRulesWorkflow } from './windows';
export { outreachWorkflow } from './outreach';
export { retentionPurgeWorkflow } from './retention';
export { segmentRefreshWorkflow } from './segments';
