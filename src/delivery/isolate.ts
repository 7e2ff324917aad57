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

/**
 * Halves sent one after the other; only a refused half is narrowed further. When both halves
 * are refused the refusal is not one row's (a systematic 400 would otherwise cost a request
 * per row): they are refused together.
 */
async function narrow(rows: EncodedRows, outcome: Outcome, steps: IsolationSteps): Promise<void> {
  if (rows.length === 1) return steps.refuse(rows, outcome);
  const [first, second] = rows.split();
  const firstRefused = (await steps.send(first)) === "refused";
  const secondRefused = (await steps.send(second)) === "refused";
  if (firstRefused && secondRefused) return steps.refuse(rows, outcome);
  if (firstRefused) await narrow(first, outcome, steps);
  if (secondRefused) await narrow(second, outcome, steps);
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
  return changed ? EncodedRows.fromText(texts, rows.countedTooLarge) : undefined;
}
