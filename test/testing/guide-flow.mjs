// The REST guide's "run an experiment" flow with the official client, configured the
// way its README says: from BRAINTRUST_BASE_URL and BRAINTRUST_API_KEY alone. Prints
// what it saw as one JSON line, for dev.test.ts to check.
import { randomUUID } from "node:crypto";
import Braintrust from "@braintrust/api";

const client = new Braintrust({ maxRetries: 0 });
const project = await client.project.create({ name: "rest_test" });
const experiment = await client.experiment.create({ name: "rest_test", project_id: project.id });
for (let i = 0; i < 10; i++) {
  await client.experiment.insert(experiment.id, { events: [{ id: randomUUID().replaceAll("-", ""), input: 1, output: 2, scores: { accuracy: 0.5 } }] });
}
const rows = [];
for (let cursor; ; ) {
  const page = await client.experiment.fetchPost(experiment.id, { limit: 3, cursor });
  if (page.events.length === 0) break;
  rows.push(...page.events);
  cursor = page.cursor;
}
console.log(JSON.stringify({ project, experiment, rows }));
