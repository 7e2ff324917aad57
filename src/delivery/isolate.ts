// A batch the API refused with a 400 costs only the rows it refuses. The likely cause is JSON
// text a span carried, written into its row verbatim after only a check of its shape (see
// convert/json-shape.ts): such rows are found here by parsing each row, repaired (that text
// goes as a string) and the batch sent again, one request. What the API still refuses is
// narrowed down by halves; a lone refused row is dropped and counted, as any refusal is.
import { log } from "../log.js";
import type { Outcome } from "./retry.js";
import { type RowRepair, isJson } from "./row-repair.js";
import { EncodedRows } from "./encoded-rows.js";

export interface IsolationSteps {
  /** Sends rows with the usual retries: "refused" on a 400, left uncounted; else they are counted. */
  send(rows: EncodedRows): Promise<"refused" | "settled">;
  /** Counts `rows` as refused for good, with the usual message. */
  refuse(rows: EncodedRows, outcome: Outcome): void;
  repair: RowRepair | undefined;
}

/** `rows` were answered `outcome`, a 400: delivers what the API takes and refuses only the rest. */
export async function isolateRefused(rows: EncodedRows, outcome: Outcome, steps: IsolationSteps): Promise<void> {
  const repaired = steps.repair && repairAll(rows, steps.repair);
  if (repaired) {
    if ((await steps.send(repaired)) === "settled") return;
    rows = repaired;
  }
  await narrow(rows, outcome, steps);
}

/** Requests one refused batch may spend on narrowing: a few bad rows in 512 take about 20 each. */
const NARROWING_REQUESTS = 64;

interface Narrowing {
  left: number;
  /** Whether a lone row was tried after both halves of a batch were refused. */
  probed: boolean;
}

/**
 * Halves sent one after the other; only a refused half is narrowed further. When both halves
 * are refused, the first half's first row is tried alone, once: refused too, the refusal is
 * every row's (a systematic 400 would otherwise cost a request per row) and they are refused
 * together; taken, bad rows fell in both halves, and from then on every refused half is
 * narrowed. Rows left when the request budget is spent are refused together.
 */
async function narrow(rows: EncodedRows, outcome: Outcome, steps: IsolationSteps, budget: Narrowing = { left: NARROWING_REQUESTS, probed: false }): Promise<void> {
  if (rows.length === 1 || budget.left < 2) return steps.refuse(rows, outcome);
  const [first, second] = rows.split();
  budget.left -= 2;
  const firstRefused = (await steps.send(first)) === "refused";
  const secondRefused = (await steps.send(second)) === "refused";
  if (firstRefused && secondRefused && !budget.probed && first.length > 1) {
    budget.probed = true;
    // The half's other rows, as the halves left over while splitting down to its first row:
    // each is sent once, so no row is sent (and counted) twice.
    const rest: EncodedRows[] = [];
    let lone = first;
    while (lone.length > 1) {
      const [head, tail] = lone.split();
      rest.push(tail);
      lone = head;
    }
    budget.left--;
    if ((await steps.send(lone)) === "refused") return steps.refuse(rows, outcome);
    for (const part of rest) await sendOrNarrow(part, outcome, steps, budget);
  } else if (firstRefused) {
    await narrow(first, outcome, steps, budget);
  }
  if (secondRefused) await narrow(second, outcome, steps, budget);
}

async function sendOrNarrow(rows: EncodedRows, outcome: Outcome, steps: IsolationSteps, budget: Narrowing): Promise<void> {
  if (budget.left < 1) return steps.refuse(rows, outcome);
  budget.left--;
  if ((await steps.send(rows)) === "refused") await narrow(rows, outcome, steps, budget);
}

/** `rows` with every row that is not valid JSON repaired; undefined when there was none to repair. */
function repairAll(rows: EncodedRows, repair: RowRepair): EncodedRows | undefined {
  const texts = rows.texts();
  let changed = false;
  for (let i = 0; i < texts.length; i++) {
    if (isJson(texts[i]!)) continue;
    const fixed = repair(texts[i]!);
    if (!fixed) continue;
    texts[i] = fixed.row;
    changed = true;
    const attributes = fixed.fields.map((field) => `braintrust.${field}_json`).join(", ");
    log("warn", `invalid-json:${attributes}`, `span ${fixed.span}: ${attributes} is not valid JSON, so the API refused its row; it was sent again with that text as a string`);
  }
  return changed ? EncodedRows.fromText(texts, rows.truncated) : undefined;
}
