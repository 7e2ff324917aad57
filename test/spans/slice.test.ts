// The clock of deferred work: a slice ends before a step that, as long as the last one, would
// take it past its millisecond.
import { describe, expect, it } from "vitest";
import { SLICE_MS, Slice } from "../../src/spans/slice.js";

/** Steps of `ms` each, by a clock that moves only when they run. */
function stepsPerSlice(ms: number, steps: number): number[] {
  let clock = 0;
  const slice = new Slice(() => clock);
  const counts: number[] = [];
  let inSlice = 0;
  slice.start();
  for (let i = 0; i < steps; i++) {
    clock += ms; // the step
    inSlice++;
    if (!slice.fits()) {
      counts.push(inSlice);
      inSlice = 0;
      slice.start();
    }
  }
  if (inSlice > 0) counts.push(inSlice);
  return counts;
}

describe("Slice", () => {
  it("fits as many steps as end within the slice, never one that would run past it", () => {
    expect(SLICE_MS).toBe(1);
    expect(stepsPerSlice(0.4, 6)).toEqual([2, 2, 2]); // 0.8 ms each; a third step would end at 1.2
    expect(stepsPerSlice(0.3, 6)).toEqual([3, 3]); // 0.9 ms
    expect(stepsPerSlice(0.15, 14)).toEqual([6, 6, 2]); // 0.9 ms; a seventh would end at 1.05
  });

  it("a step longer than the slice is a slice of its own", () => {
    expect(stepsPerSlice(2, 3)).toEqual([1, 1, 1]);
  });
});
