// `npm run export-labels > labels.jsonl`: survey comments labelled by their NPS score.
import { loadConfig, requireDatabaseUrl } from '../config';
import { createDb } from '../db';
import { surveyLabels } from '../db/labels';

async function run() {
  const db = createDb(requireDatabaseUrl(loadConfig()));
  try {
    const labels = await surveyLabels(db);
    for (const l of labels) process.stdout.write(`${JSON.stringify(l)}\n`);
    console.error(`${labels.length} labelled texts`);
  } finally {
    await db.destroy();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
