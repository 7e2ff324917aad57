// GET /: the web viewer (src/view/web/), on the same port as the API. The page itself
// needs no key: it holds no data, and reads the API with the key like any client.
import { FAVICON_SVG, viewerPage } from "../view/web/page.js";
import { viewerScript } from "../view/web/script.js";

export interface StaticReply {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

const PATHS = new Set(["/", "/index.html"]);
// The page may talk to this server only: no other host, whatever its data holds.
const HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

let page: Promise<string> | undefined;

/** The viewer's answer to this request, or undefined when it is not the viewer's path. */
export async function viewerReply(method: string, path: string): Promise<StaticReply | undefined> {
  // Browsers and tools that ignore the page's inline icon ask for this one on every load.
  if (path === "/favicon.ico" && (method === "GET" || method === "HEAD")) {
    return { status: 200, contentType: "image/svg+xml", body: FAVICON_SVG, headers: { "x-content-type-options": "nosniff", "cache-control": "max-age=86400" } };
  }
  if (!PATHS.has(path)) return undefined;
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, contentType: "text/plain; charset=utf-8", body: "Method not allowed\n", headers: { allow: "GET, HEAD" } };
  }
  page ??= viewerScript().then(viewerPage);
  try {
    return { status: 200, contentType: "text/html; charset=utf-8", body: await page, headers: HEADERS };
  } catch (err) {
    page = undefined; // a failed build is retried on the next request
    return { status: 500, contentType: "text/plain; charset=utf-8", body: `The viewer could not be built: ${err instanceof Error ? err.message : String(err)}\n`, headers: {} };
  }
}
