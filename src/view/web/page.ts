// The viewer's one page: markup, styles and the bundled script, inline, so it needs
// nothing from any other host (no CDN, no web fonts) and works offline.

/** The tab's icon: a small waterfall, inline, so the browser never asks the server for /favicon.ico. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f2937"/><rect x="3" y="4" width="9" height="2" rx="1" fill="#60a5fa"/><rect x="5" y="7" width="5" height="2" rx="1" fill="#34d399"/><rect x="7" y="10" width="6" height="2" rx="1" fill="#fbbf24"/></svg>`;
const FAVICON_DATA_URL = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;

/** The page, with the viewer's script (a self-contained browser bundle) inside. */
export function viewerPage(script: string): string {
  // "</script" inside the bundle would end the element early.
  const inline = script.replace(/<\/script/gi, "<\\/script");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Traces · local Braintrust</title>
<link rel="icon" href="${FAVICON_DATA_URL}">
<style>${STYLE}</style>
</head>
<body>
<header><h1>Traces</h1><span class="server">local Braintrust API</span><span id="status" role="status">connecting…</span></header>
<div class="layout">
<nav aria-label="Projects and traces">
<h2>Projects</h2><div id="projects"></div>
<h2>Traces <span id="trace-count"></span></h2>
<input id="filter" type="search" placeholder="Filter traces by text" aria-label="Filter traces by text">
<ul id="traces"></ul>
</nav>
<main id="main"><p class="loading">Loading…</p></main>
</div>
<script>${inline}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --bg:#fafafa; --fg:#1d1d1f; --muted:#6b6b73; --line:#e2e2e6; --panel:#fff; --accent:#3b5bdb; --err:#c92a2a;
  --llm:#7048e8; --tool:#0c8599; --task:#495057; --score:#e67700; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 12px; align-items: baseline; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 16px; margin: 0; }
.server, .trace-id, .trace-meta, #trace-count { color: var(--muted); font-size: 12px; font-weight: normal; }
#status { margin-left: auto; font-size: 12px; color: var(--muted); }
#status.live::before { content: "●"; color: #2b8a3e; margin-right: 4px; }
#status.down { color: var(--err); }
.layout { display: grid; grid-template-columns: 320px 1fr; min-height: calc(100vh - 45px); }
nav { border-right: 1px solid var(--line); padding: 8px 12px; background: var(--panel); overflow: auto; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 12px 0 6px; }
button { font: inherit; color: inherit; }
.project { display: inline-block; margin: 0 6px 6px 0; padding: 3px 10px; border: 1px solid var(--line); border-radius: 12px; background: var(--bg); cursor: pointer; }
.project[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
#filter { width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 6px; }
#traces { list-style: none; margin: 0; padding: 0; }
.trace { display: grid; grid-template-columns: 1fr auto; gap: 2px 8px; width: 100%; text-align: left; padding: 7px 8px; border: 0; border-bottom: 1px solid var(--line); background: none; cursor: pointer; }
.trace[aria-pressed="true"] { background: #edf2ff; }
.trace-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.trace-meta { grid-column: 1 / -1; }
.error-mark { color: var(--err); font-size: 12px; font-weight: 600; }
main { padding: 12px 16px; overflow: auto; }
main h2 { font-size: 15px; margin: 4px 0 10px; }
.empty, .loading { color: var(--muted); }
.env-lines { color: var(--fg); background: #f4f4f6; padding: 8px 10px; border-radius: 4px; user-select: all; white-space: pre; overflow-x: auto; }
.waterfall { border: 1px solid var(--line); border-radius: 6px; background: var(--panel); margin-bottom: 14px; }
.bar-row { display: grid; grid-template-columns: minmax(260px, 38%) 1fr; border-bottom: 1px solid var(--line); cursor: pointer; }
.bar-row:last-child { border-bottom: 0; }
.bar-row.selected { background: #edf2ff; }
.bar-label { display: flex; gap: 6px; align-items: center; padding: 5px 6px; white-space: nowrap; overflow: hidden; }
.span-name { overflow: hidden; text-overflow: ellipsis; }
.type { font-size: 11px; padding: 0 6px; border-radius: 8px; color: #fff; background: var(--task); }
.type-llm { background: var(--llm); } .type-tool { background: var(--tool); } .type-score { background: var(--score); }
.tokens { font-size: 12px; color: var(--muted); }
.bar-track { position: relative; margin: 0 8px; min-height: 26px; }
.bar { position: absolute; top: 7px; height: 12px; border-radius: 3px; background: var(--task); opacity: .85; }
.bar.type-llm { background: var(--llm); } .bar.type-tool { background: var(--tool); } .bar.type-score { background: var(--score); }
.failed .bar { background: var(--err); }
.bar-time { position: absolute; top: 18px; font-size: 10px; color: var(--muted); padding-left: 2px; }
.span-detail { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.span-detail h2 { display: flex; gap: 8px; align-items: center; }
.duration { color: var(--muted); font-size: 12px; font-weight: normal; }
.span-detail h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 6px; }
.error-text { color: var(--err); background: #fff5f5; padding: 8px; border-radius: 4px; white-space: pre-wrap; margin: 0; }
.chat { display: grid; gap: 6px; }
.msg { border-left: 3px solid var(--line); padding: 4px 10px; background: var(--bg); border-radius: 0 4px 4px 0; }
.msg.role-user { border-color: var(--accent); } .msg.role-assistant { border-color: var(--llm); } .msg.role-tool { border-color: var(--tool); }
.role { font-size: 11px; font-weight: 700; text-transform: uppercase; color: var(--muted); }
.text { white-space: pre-wrap; }
.attachment { margin: 4px 0; } .attachment img, .attachment video { max-width: 100%; max-height: 360px; border: 1px solid var(--line); border-radius: 4px; }
.attachment-label { color: var(--muted, #666); font-family: ui-monospace, monospace; }
.tool-call { margin-top: 4px; } .tool-call .label { color: var(--tool); font-size: 12px; font-weight: 600; }
.tool-call code { display: block; white-space: pre-wrap; font-size: 12px; }
.json, .json details { font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
.json details > .j-entry { padding-left: 16px; }
.json summary { cursor: pointer; color: var(--muted); }
.j-key { color: #5c3c92; } .j-string { color: #2b8a3e; white-space: pre-wrap; } .j-number { color: #1864ab; } .j-boolean, .j-null { color: #e67700; }
table { border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: normal; padding: 2px 16px 2px 0; vertical-align: top; }
td { padding: 2px 0; }
.tag { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; margin-right: 4px; font-size: 12px; }
.key-form { max-width: 420px; display: grid; gap: 8px; }
.key-form input { padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
`;
