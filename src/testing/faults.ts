// Failure injection, to test clients against the ways a real network and API fail.
// Each request on a faulted route gets a plan, decided up front from a seeded PRNG
// so a test can replay the same sequence of failures.

export type FaultRoute = "insert" | "project" | "fetch" | "attachment" | "object-store";

export interface Fault {
  /** Share of requests answered with an error status (0..1). Default 1 when `failStatuses` is set, else 0. */
  failRate?: number;
  /** Statuses to fail with, picked at random. Default [503]. */
  failStatuses?: number[];
  /** `Retry-After` header value sent with 429 and 503 failures. */
  retryAfter?: string;
  /** Share of requests whose socket is destroyed without an answer (0..1). */
  resetRate?: number;
  /** Wait this long before handling each request. */
  delayMs?: number;
  /** Never answer (until the server goes down or closes). */
  hang?: boolean;
  /** Answer 413 to bodies larger than this many bytes. */
  maxBodyBytes?: number;
  /** Answer with a body the client cannot parse: a proxy's HTML 502 page, or a 200 with broken JSON. */
  garbage?: "html502" | "invalid-json";
  /** Share of requests that get `garbage` (0..1). Default 1 when `garbage` is set. */
  garbageRate?: number;
  /** Seed for the PRNG that decides which requests fail; unseeded means Math.random. */
  seed?: number;
  /**
   * Routes the fault applies to. Default ["insert"]. "project" covers /v1/project and /v1/experiment
   * (the objects, not their rows); "attachment" the API's /attachment routes; "object-store" the
   * signed upload and download URLs.
   */
  routes?: FaultRoute[];
  /** Store the rows first, then fail, reset, hang or garble: the ambiguous failure retries must survive. */
  failAfterStore?: boolean;
}

export interface FaultCounts {
  failed: number;
  reset: number;
  garbage: number;
  tooLarge: number;
  hung: number;
}

/** What to do instead of (or after) answering normally. */
export type FaultAction =
  | { kind: "fail"; status: number; retryAfter?: string }
  | { kind: "reset" }
  | { kind: "garbage"; garbage: "html502" | "invalid-json" }
  | { kind: "hang" };

export interface FaultPlan {
  delayMs: number;
  /** Set when the body is over `maxBodyBytes`: answer 413 before anything else. */
  tooLarge: boolean;
  action?: FaultAction;
  afterStore: boolean;
}

export class FaultInjector {
  private fault: Fault | undefined;
  private random: () => number = Math.random;
  private readonly counts: FaultCounts = { failed: 0, reset: 0, garbage: 0, tooLarge: 0, hung: 0 };

  set(fault: Fault | undefined): void {
    this.fault = fault ? { ...fault } : undefined;
    this.random = fault?.seed === undefined ? Math.random : mulberry32(fault.seed);
  }

  /** Faults injected since the server started (not reset by `set`). */
  injected(): FaultCounts {
    return { ...this.counts };
  }

  /** The plan for one request, or undefined when it should be answered normally. */
  plan(route: FaultRoute | undefined, bodyBytes: number): FaultPlan | undefined {
    const f = this.fault;
    if (!f || !route || !(f.routes ?? ["insert"]).includes(route)) return undefined;
    const plan: FaultPlan = { delayMs: f.delayMs ?? 0, tooLarge: false, afterStore: f.failAfterStore === true };
    if (f.maxBodyBytes !== undefined && bodyBytes > f.maxBodyBytes) {
      this.counts.tooLarge++;
      return { ...plan, tooLarge: true };
    }
    plan.action = this.pickAction(f);
    if (plan.action) this.count(plan.action);
    return plan;
  }

  private pickAction(f: Fault): FaultAction | undefined {
    if (f.hang) return { kind: "hang" };
    // Always draw all three numbers, so one rate's setting does not shift the others' sequence.
    const [reset, fail, garbage] = [this.random(), this.random(), this.random()];
    if (reset < (f.resetRate ?? 0)) return { kind: "reset" };
    if (fail < (f.failRate ?? (f.failStatuses ? 1 : 0))) {
      const statuses = f.failStatuses?.length ? f.failStatuses : [503];
      const status = statuses[Math.floor(this.random() * statuses.length)]!;
      const retryAfter = (status === 429 || status === 503) && f.retryAfter !== undefined ? f.retryAfter : undefined;
      return { kind: "fail", status, ...(retryAfter === undefined ? {} : { retryAfter }) };
    }
    if (f.garbage && garbage < (f.garbageRate ?? 1)) return { kind: "garbage", garbage: f.garbage };
    return undefined;
  }

  private count(action: FaultAction): void {
    const field = ({ fail: "failed", reset: "reset", garbage: "garbage", hang: "hung" } as const)[action.kind];
    this.counts[field]++;
  }
}

/** A small, fast, seedable PRNG (public domain), good enough to pick failures. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
