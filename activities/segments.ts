// The bulk re-evaluation of risk segments after a criteria change (README "Risk segments").
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db';
import { AuditTrail, DEV_PSEUDONYM_SECRET } from '../db/audit';
import { evaluateSegment, staleSegments } from '../db/segments';
import { journeyWorkflowId, segmentChanged } from '../domain/messages';
import { SEGMENT_CRITERIA_VERSION } from '../domain/segments';
import { customerSubject } from '../privacy/subjects';

export interface RefreshResult {
  version: string;
  evaluated: number;
  changed: number;
}

export function createSegmentActivities({ db, pseudonymSecret }: { db: Db; pseudonymSecret?: string }) {
  const secret = pseudonymSecret ?? DEV_PSEUDONYM_SECRET;
  const audit = new AuditTrail(secret);
  return {
    /**
     * Judges every customer whose segment came from other criteria (or never was judged) against the
     * current ones, a page at a time, heartbeating after each page; tells running journeys their new
     * segment so their search attribute follows.
     */
    async refreshSegments({ pageSize }: { pageSize: number }): Promise<RefreshResult> {
      let evaluated = 0;
      let changed = 0;
      for (;;) {
        const ids = await staleSegments(db, pageSize);
        if (ids.length === 0) break;
        for (const customerId of ids) {
          const r = await db.transaction(async (trx) => {
            const judged = await evaluateSegment(trx, customerId);
            await audit.record(trx, judged.events);
            return judged;
          });
          evaluated++;
          if (!r.changed) continue;
          changed++;
          try {
            await Context.current().client.workflow.getHandle(journeyWorkflowId(customerSubject(secret, customerId))).signal(segmentChanged, r.segment);
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // no running journey: its next run starts from the database
          }
        }
        Context.current().heartbeat(evaluated);
      }
      return { version: SEGMENT_CRITERIA_VERSION, evaluated, changed };
    },
  };
}
