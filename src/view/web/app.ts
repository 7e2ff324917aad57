/// <reference lib="dom" />
// The local web viewer: projects, each project's traces (newest first), a trace as a
// waterfall, a span's detail, and live updates by polling. It reads the same API any
// client would (GET /v1/project, POST /v1/project_logs/{id}/fetch) with the server's
// key, which arrives in the URL's fragment (never sent to a server) and stays in this
// tab's sessionStorage.
import { type SpanNode, type TraceModel, type TraceRow, buildTraces, errorText, formatDuration, record, spanName, spanType, tokenCount } from "../trace-model.js";
import type { AttachmentRef } from "../attachments.js";
import { el, renderJson, renderValue } from "./dom.js";

interface Project {
  id: string;
  name: string;
  created?: string;
}

const POLL_MS = 1500;
const TRACES_PER_PAGE = 100;
const KEY_SLOT = "braintrust-viewer-key";

const state = {
  key: "",
  projects: [] as Project[],
  projectId: undefined as string | undefined,
  traces: [] as TraceModel[],
  traceId: undefined as string | undefined,
  spanId: undefined as string | undefined,
  filter: "",
  /** What the open trace looked like when drawn, so a poll redraws it only when it changed ("" before the first draw). */
  drawn: "",
};

const $ = (id: string) => document.getElementById(id)!;

class Unauthorized extends Error {}

async function api(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${state.key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) throw new Error(`${res.status} from ${path.split("?")[0]}`);
  return res.json();
}

/** Download URLs by attachment key, asked once each (the page redraws while polling). */
const downloads = new Map<string, Promise<string | undefined>>();

function attachmentUrl(ref: AttachmentRef): Promise<string | undefined> {
  let url = downloads.get(ref.key);
  if (!url) {
    const query = new URLSearchParams({ key: ref.key, filename: String(ref.filename ?? ""), content_type: String(ref.content_type ?? "") });
    url = api(`/attachment?${query}`).then(
      (answer) => {
        const link = (answer as { downloadUrl?: unknown }).downloadUrl;
        return typeof link === "string" ? link : undefined;
      },
      () => {
        downloads.delete(ref.key); // asked again at the next redraw
        return undefined;
      },
    );
    downloads.set(ref.key, url);
  }
  return url;
}

function takeKey(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem(KEY_SLOT, fromHash);
    // Out of the address bar, the history and any screenshot.
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY_SLOT) ?? "";
}

function askForKey(message: string): void {
  const input = el("input", { type: "password", id: "key-input", placeholder: "sk-local-…", "aria-label": "API key", autocomplete: "off" });
  const form = el(
    "form",
    {
      class: "key-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        state.key = input.value.trim();
        sessionStorage.setItem(KEY_SLOT, state.key);
        void refresh();
      },
    },
    el("p", {}, message),
    input,
    el("button", { type: "submit" }, "Open"),
  );
  $("main").replaceChildren(form);
}

async function refresh(): Promise<void> {
  try {
    const listed = (await api("/v1/project")) as { objects?: Project[] };
    state.projects = [...(listed.objects ?? [])].sort((a, b) => String(b.created ?? "").localeCompare(String(a.created ?? "")));
    if (!state.projectId || !state.projects.some((p) => p.id === state.projectId)) state.projectId = state.projects[0]?.id;
    if (state.projectId) {
      const page = (await api(`/v1/project_logs/${encodeURIComponent(state.projectId)}/fetch`, { limit: TRACES_PER_PAGE })) as { events?: TraceRow[] };
      state.traces = buildTraces(page.events ?? []).sort((a, b) => b.start - a.start || b.newestXact.localeCompare(a.newestXact));
    } else state.traces = [];
    $("status").textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    $("status").className = "live";
    draw();
  } catch (err) {
    if (err instanceof Unauthorized) {
      const refused = state.key !== "";
      state.key = ""; // polling waits for a new key
      state.drawn = "";
      return askForKey(refused ? "This key was refused. Paste the key `dev` printed:" : "Paste the key `dev` printed:");
    }
    $("status").textContent = `cannot reach the server (${err instanceof Error ? err.message : String(err)}); retrying`;
    $("status").className = "down";
  }
}

function draw(): void {
  // Until a trace is picked (or when the picked one is gone), the newest is open.
  if (!state.traces.some((t) => t.id === state.traceId)) {
    state.traceId = state.traces[0]?.id;
    state.spanId = state.traces[0]?.roots[0]?.spanId;
  }
  drawProjects();
  drawTraceList();
  const trace = state.traces.find((t) => t.id === state.traceId);
  const signature = trace ? `${trace.id}:${trace.newestXact}:${trace.bars.length}:${state.spanId}` : `none:${state.projects.length}`;
  if (signature === state.drawn) return;
  state.drawn = signature;
  $("main").replaceChildren(trace ? drawTrace(trace) : noTraces());
}

/** An empty project or server: the lines `dev` printed, for pointing an app here. */
function noTraces(): HTMLElement {
  const where = state.projects.length ? "No traces in this project yet." : "No traces yet.";
  return el(
    "div",
    { class: "empty no-traces" },
    el("p", {}, `${where} Point an app at this server (paste into its shell), then run it; its traces appear here as they arrive:`),
    el("pre", { class: "env-lines" }, `export BRAINTRUST_API_URL=${location.origin}\nexport BRAINTRUST_API_KEY=${state.key}`),
  );
}

function drawProjects(): void {
  $("projects").replaceChildren(
    ...state.projects.map((p) =>
      el(
        "button",
        {
          class: "project",
          "aria-pressed": p.id === state.projectId,
          onclick: () => {
            state.projectId = p.id;
            state.traceId = state.spanId = undefined;
            void refresh();
          },
        },
        p.name,
      ),
    ),
  );
}

function matches(trace: TraceModel, filter: string): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  return trace.bars.some(({ node: { row } }) => {
    const haystack = [spanName(row), spanType(row) ?? "", JSON.stringify([row.input, row.output, row.metadata, row.error, row.tags]) ?? ""];
    return haystack.some((s) => s.toLowerCase().includes(needle));
  });
}

function drawTraceList(): void {
  const shown = state.traces.filter((t) => matches(t, state.filter));
  $("trace-count").textContent = `${shown.length} of ${state.traces.length} traces`;
  $("traces").replaceChildren(
    ...shown.map((t) =>
      el(
        "li",
        {},
        el(
          "button",
          {
            class: "trace",
            "data-trace-id": t.id,
            "aria-pressed": t.id === state.traceId,
            onclick: () => {
              state.traceId = t.id;
              state.spanId = t.roots[0]?.spanId;
              draw();
            },
          },
          el("span", { class: "trace-name" }, t.name),
          t.errors > 0 && el("span", { class: "error-mark", title: `${t.errors} failed` }, `✗ ${t.errors} error${t.errors === 1 ? "" : "s"}`),
          el(
            "span",
            { class: "trace-meta" },
            [Number.isFinite(t.start) ? new Date(t.start * 1000).toLocaleString() : "", formatDuration(t.duration) ?? "", t.tokens !== undefined ? `${t.tokens} tok` : ""]
              .filter(Boolean)
              .join(" · "),
          ),
        ),
      ),
    ),
  );
}

function drawTrace(trace: TraceModel): HTMLElement {
  const total = Math.max(trace.duration ?? 0, ...trace.bars.map((b) => b.offset + (b.duration ?? 0)), 1e-6);
  const selected = trace.bars.find((b) => b.node.spanId === state.spanId)?.node ?? trace.roots[0];
  const bars = trace.bars.map(({ node, depth, offset, duration }) => {
    const error = errorText(node.row.error) !== undefined;
    const type = spanType(node.row);
    const tokens = tokenCount(node.row);
    return el(
      "div",
      {
        class: `bar-row${node === selected ? " selected" : ""}${error ? " failed" : ""}`,
        role: "row",
        tabindex: 0,
        "data-span-id": node.spanId,
        onclick: () => {
          state.spanId = node.spanId;
          draw();
        },
      },
      el(
        "div",
        { class: "bar-label", role: "cell", style: `padding-left:${depth * 14 + 6}px` },
        el("span", { class: "span-name" }, spanName(node.row)),
        type && el("span", { class: `type type-${type}` }, type),
        tokens !== undefined && el("span", { class: "tokens" }, `${tokens} tok`),
        error && el("span", { class: "error-mark" }, "✗ error"),
      ),
      el(
        "div",
        { class: "bar-track", role: "cell" },
        el("div", {
          class: `bar${type ? ` type-${type}` : ""}`,
          style: `left:${(offset / total) * 100}%;width:max(2px,${((duration ?? total - offset) / total) * 100}%)`,
          title: formatDuration(duration) ?? "running",
        }),
        el("span", { class: "bar-time", style: `left:${Math.min((offset / total) * 100, 85)}%` }, formatDuration(duration) ?? "running"),
      ),
    );
  });
  return el(
    "div",
    { class: "trace-view" },
    el("h2", {}, trace.name, el("span", { class: "trace-id" }, ` trace ${trace.id}`)),
    el("div", { class: "waterfall", role: "table", "aria-label": "Waterfall" }, ...bars),
    selected ? drawSpan(selected) : el("p", {}, "Choose a span."),
  );
}

function drawSpan(node: SpanNode): HTMLElement {
  const row = node.row;
  const metrics = record(row.metrics);
  const error = errorText(row.error);
  const section = (title: string, body: Node | undefined) => body && el("section", { class: `detail-${title.toLowerCase()}` }, el("h3", {}, title), body);
  const table = (values: Record<string, unknown>) =>
    Object.keys(values).length === 0
      ? undefined
      : el("table", {}, ...Object.entries(values).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, typeof v === "object" && v !== null ? renderJson(v, 1) : String(v)))));
  const shownMetrics = Object.fromEntries(Object.entries(metrics).filter(([k]) => k !== "start" && k !== "end"));
  const tags = Array.isArray(row.tags) ? row.tags.map(String) : [];
  return el(
    "div",
    { class: "span-detail", "aria-label": "Span detail" },
    el("h2", {}, spanName(row), spanType(row) && el("span", { class: `type type-${spanType(row)}` }, spanType(row)!), el("span", { class: "duration" }, formatDuration(node.end === undefined ? undefined : node.end - node.start) ?? "running")),
    section("Error", error === undefined ? undefined : el("pre", { class: "error-text" }, error)),
    section("Input", row.input === undefined ? undefined : renderValue(row.input, attachmentUrl)),
    section("Output", row.output === undefined ? undefined : renderValue(row.output, attachmentUrl)),
    section("Metadata", table(record(row.metadata))),
    section("Metrics", table(shownMetrics)),
    section("Scores", table(record(row.scores))),
    section("Tags", tags.length ? el("div", {}, ...tags.map((t) => el("span", { class: "tag" }, t))) : undefined),
  );
}

function start(): void {
  state.key = takeKey();
  $("filter").addEventListener("input", (e) => {
    state.filter = (e.target as HTMLInputElement).value.trim();
    drawTraceList();
  });
  void refresh();
  // Polling, not server-sent events: it works the same in front of the real API.
  setInterval(() => {
    if (state.key && document.visibilityState !== "hidden") void refresh();
  }, POLL_MS);
}

start();
