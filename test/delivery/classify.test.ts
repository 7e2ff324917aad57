import { afterEach, describe, expect, it } from "vitest";
import { makeParent } from "../../src/config/parent.js";
import { type Context, classify, retriedStatus } from "../../src/delivery/classify.js";
import { Delivery } from "../../src/delivery/delivery.js";
import type { Outcome } from "../../src/delivery/outcome.js";
import { decide } from "../../src/delivery/retry.js";
import { resetLogState } from "../../src/log.js";
import { type ScriptedServer, acceptInsert, captureWarnings, configFor, event, json, scriptedServer, until } from "./helpers.js";

const URL = "https://api.example.test";
const byId = makeParent("project_id", "p1");
const byName = makeParent("project_name", "shop");
const experiment = makeParent("experiment_id", "e1");
const insert = (parent = byId, orgName?: string): Context => ({ op: "insert", parent, orgName, url: URL });
const lookup = (parent = byName, orgName?: string): Context => ({ op: "lookup", parent, orgName, url: URL });
const upload: Context = { op: "upload", url: URL };

const http = (status: number, body = "", extra: Partial<Extract<Outcome, { kind: "http" }>> = {}): Outcome => ({ kind: "http", status, body, ...extra });
const network = (code: string, message = code): Outcome => ({ kind: "network", code, message });

describe("classify: statuses", () => {
  it("2xx is done, with no message", () => {
    for (const context of [insert(), lookup(), upload, undefined]) {
      expect(classify({ kind: "ok", status: 200, body: "{}" }, context)).toEqual({ action: "done", overload: false, misconfigured: false, message: "" });
    }
  });

  it("retries 408, 429 and every 5xx but 501 and 505, as the API being overloaded, for every kind of request", () => {
    for (const status of [408, 429, 500, 502, 503, 504, 507, 520, 522, 524, 599]) {
      for (const context of [insert(), lookup(), upload, undefined]) {
        expect(classify(http(status), context)).toMatchObject({ action: "retry", overload: true, misconfigured: false });
      }
      expect(decide(http(status))).toBe("retry");
    }
    for (const status of [501, 505]) {
      expect(classify(http(status), insert()).action).toBe("refuse");
      expect(classify(http(status), lookup()).action).toBe("failDestination");
      expect(decide(http(status))).toBe("final");
    }
  });

  it("the retry loop and the statuses retried agree on every status", () => {
    for (let status = 300; status < 600; status++) {
      const expected = status === 413 ? "split" : retriedStatus(status) ? "retry" : "final";
      expect([status, decide(http(status))]).toEqual([status, expected]);
    }
  });

  it("an insert: 413 splits, 400 isolates the refused rows, 422 and other 4xx refuse the rows, 403/404 fail the destination, 401 the key", () => {
    expect(classify(http(413), insert()).action).toBe("split");
    expect(classify(http(400), insert()).action).toBe("isolate");
    for (const status of [402, 405, 409, 410, 418, 422]) expect(classify(http(status), insert()).action).toBe("refuse");
    expect(classify(http(403), insert()).action).toBe("failDestination");
    expect(classify(http(404), insert()).action).toBe("failDestination");
    expect(classify(http(401), insert()).action).toBe("keyRejected");
    for (const status of [400, 403, 404, 413, 422]) expect(classify(http(status), insert()).overload).toBe(false);
  });

  it("a lookup: 401 rejects the key; any other final answer fails the destination", () => {
    expect(classify(http(401), lookup()).action).toBe("keyRejected");
    for (const status of [400, 403, 404, 413, 422]) expect(classify(http(status), lookup()).action).toBe("failDestination");
  });

  it("an attachment call: every final answer, 401 included, gives up on that upload alone", () => {
    for (const status of [400, 401, 403, 404, 413]) expect(classify(http(status, '{"error":"no"}'), upload)).toMatchObject({ action: "refuse", message: `HTTP ${status} "no"` });
  });

  it("a redirect is final and named, never followed", () => {
    const moved = http(301, "", { location: "https://www.example.test/v1/x" });
    expect(classify(moved, insert()).action).toBe("refuse");
    expect(classify(moved, insert()).message).toContain("redirect to https://www.example.test/v1/x, which is not followed (the key would go with it)");
    expect(classify(moved, lookup()).message).toBe(
      `resolving project "shop" failed: ${URL} answered HTTP 301, a redirect to https://www.example.test/v1/x, which is not followed (the key would go with it): set apiUrl (BRAINTRUST_API_URL) to the address that answers`,
    );
  });

  it("a 2xx the route would not give is retried, as a setup mistake, not as load", () => {
    expect(classify({ kind: "invalid", status: 200, body: "<html>app</html>" }, lookup())).toEqual({
      action: "retry",
      overload: false,
      misconfigured: true,
      message: `resolving project "shop": ${URL} answered HTTP 200 with a body that is not the Braintrust API's ("<html>app</html>"): check BRAINTRUST_API_URL (the apiUrl option); it must be the API's URL (https://api.braintrust.dev), not the web app's`,
    });
  });
});

describe("classify: network causes", () => {
  const cases: [string, string, string][] = [
    ["ECONNREFUSED", "connect ECONNREFUSED", `nothing is listening at ${URL} (ECONNREFUSED): check BRAINTRUST_API_URL (the apiUrl option)`],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND", `the host of ${URL} was not found (ENOTFOUND): check BRAINTRUST_API_URL (the apiUrl option)`],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN", `the host of ${URL} was not found (EAI_AGAIN): check BRAINTRUST_API_URL (the apiUrl option)`],
    ["CERT_HAS_EXPIRED", "certificate has expired", `TLS handshake with ${URL} failed (CERT_HAS_EXPIRED): the certificate is not trusted; behind a TLS-inspecting proxy set NODE_EXTRA_CA_CERTS, or check BRAINTRUST_API_URL (the apiUrl option)`],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "wrong version number", `TLS handshake with ${URL} failed (ERR_SSL_WRONG_VERSION_NUMBER): the server there does not speak TLS; use http:// if it is plain HTTP, or check BRAINTRUST_API_URL (the apiUrl option)`],
    ["ETIMEDOUT", "no answer within 10 ms", `no answer from ${URL} (ETIMEDOUT): check BRAINTRUST_API_URL (the apiUrl option), and HTTPS_PROXY if this network needs a proxy`],
    ["UND_ERR_CONNECT_TIMEOUT", "connect timeout", `no answer from ${URL} (UND_ERR_CONNECT_TIMEOUT): check BRAINTRUST_API_URL (the apiUrl option), and HTTPS_PROXY if this network needs a proxy`],
    ["ECONNRESET", "socket hang up", `the connection to ${URL} was cut (ECONNRESET); a proxy or firewall may be in the way, or check BRAINTRUST_API_URL (the apiUrl option)`],
    ["UND_ERR_SOCKET", "other side closed", `the connection to ${URL} was cut (UND_ERR_SOCKET); a proxy or firewall may be in the way, or check BRAINTRUST_API_URL (the apiUrl option)`],
    ["EWHATEVER", "odd", `could not reach ${URL} (EWHATEVER: odd)`],
  ];
  for (const [code, message, said] of cases) {
    it(`${code}: retried, said loud once as a possible setup mistake`, () => {
      expect(classify(network(code, message), insert())).toEqual({ action: "retry", overload: true, misconfigured: true, message: `inserting into project_id:p1: ${said}` });
      expect(classify(network(code, message), upload)).toMatchObject({ action: "retry", message: `${code}: ${message}` });
      expect(decide(network(code, message))).toBe("retry");
    });
  }

  it("names the proxy when the proxy is the problem", () => {
    const proxy = { url: "http://10.0.0.5:3128", variable: "HTTPS_PROXY" } as const;
    const verdict = classify({ kind: "network", code: "ECONNREFUSED", message: "connect ECONNREFUSED", proxy }, lookup());
    expect(verdict.message).toBe(
      `resolving project "shop": cannot reach the proxy http://10.0.0.5:3128 (from HTTPS_PROXY) that requests to ${URL} go through (ECONNREFUSED: nothing is listening there): check HTTPS_PROXY and NO_PROXY (or pass a \`dispatcher\` of your own)`,
    );
    expect(classify({ kind: "network", code: "ECONNRESET", message: "reset", proxy }, lookup()).message).toContain("(through the proxy http://10.0.0.5:3128 from HTTPS_PROXY;");
  });
});

describe("classify: the messages a user reads", () => {
  it("401: the key, what was being done, and where the key comes from", () => {
    expect(classify(http(401, '{"error":"bad key"}'), lookup(byName)).message).toBe(
      'the API key was rejected (401 Unauthorized) while resolving project "shop": check BRAINTRUST_API_KEY (the apiKey option)',
    );
    expect(classify(http(401), lookup(byId, "acme")).message).toBe(
      'the API key was rejected (401 Unauthorized) while checking project id p1 in org "acme": check BRAINTRUST_API_KEY (the apiKey option)',
    );
    expect(classify(http(401), insert(byId)).message).toBe(
      "the API key was rejected (401 Unauthorized) while inserting into project_id:p1: check BRAINTRUST_API_KEY (the apiKey option)",
    );
  });

  it("403: the destination, the org, the server's words and the fix, for a lookup and an insert alike", () => {
    expect(classify(http(403, '{"error":"denied"}'), lookup(byName, "acme")).message).toBe(
      'the API key may not access project "shop" in org "acme" (403 Forbidden) "denied"; check the key\'s permissions',
    );
    expect(classify(http(403), insert(byId)).message).toBe(
      "the API key may not access project id p1 (403 Forbidden); check the key's permissions, or set orgName (BRAINTRUST_ORG_NAME) if the key belongs to several orgs",
    );
    expect(classify(http(403), insert(experiment)).message).toContain("may not access experiment e1 (403 Forbidden)");
  });

  it("404: what is missing, per kind of destination", () => {
    const noProject = `no project with id p1 (404 Not Found at ${URL}): check BRAINTRUST_PROJECT_ID (the projectId option), or use projectName / BRAINTRUST_PROJECT`;
    expect(classify(http(404), lookup(byId)).message).toBe(noProject);
    expect(classify(http(404), insert(byId)).message).toBe(noProject);
    expect(classify(http(404), lookup(byName)).message).toBe(
      `${URL} has no /v1/project route (404 Not Found): BRAINTRUST_API_URL (the apiUrl option) must be the API's URL, such as https://api.braintrust.dev`,
    );
    expect(classify(http(404, '{"error":"gone"}'), insert(byName)).message).toBe(
      `project "shop" no longer exists (404 Not Found at ${URL} "gone"); it is created again when the exporter restarts`,
    );
    expect(classify(http(404), insert(experiment)).message).toBe(`no experiment with id e1 (404 Not Found at ${URL}): check the experiment id in braintrust.parent or BRAINTRUST_PARENT`);
  });

  it("other refusals quote the server; retried statuses say what answered", () => {
    expect(classify(http(422, '{"message":"events.0.scores.x: must be <= 1"}'), insert()).message).toBe(
      'the API refused the rows for project_id:p1 (HTTP 422 "events.0.scores.x: must be <= 1")',
    );
    expect(classify(http(503, "busy"), insert()).message).toBe(`inserting into project_id:p1: ${URL} answered HTTP 503 "busy"`);
    expect(classify(http(407), lookup()).message).toBe(
      'resolving project "shop" failed: the proxy asked for credentials (407 Proxy Authentication Required): check the user and password in HTTPS_PROXY',
    );
  });
});

describe("classify: against a server", () => {
  let server: ScriptedServer | undefined;
  let delivery: Delivery | undefined;
  afterEach(async () => {
    await delivery?.shutdown();
    await server?.close();
    delivery = server = undefined;
  });

  function start(url: string): Delivery {
    delivery = new Delivery(configFor({ apiKey: "sk-classify", apiUrl: url, projectId: "p1", exportTimeoutMillis: 5_000 }), {
      backoff: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    return delivery;
  }

  it("a 520 from a CDN is retried and the rows arrive; a 501 is not retried and the rows are refused", async () => {
    let cdnFailed = false;
    server = await scriptedServer((req, res) => {
      if (req.body.includes('"second"')) return json(res, 501, { error: "status 501" });
      if (cdnFailed) return acceptInsert(req, res);
      cdnFailed = true;
      json(res, 520, { error: "status 520" });
    });
    const d = start(server.url);
    d.enqueue(byId, event("first"));
    expect(await d.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(d.stats().retried).toBe(1);
    d.enqueue(byId, event("second"));
    expect(await d.flush()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(d.stats()).toMatchObject({ retried: 1, dropped: { rejected: 1 } });
    expect(d.stats().lastError).toBe('the API refused the rows for project_id:p1 (HTTP 501 "status 501")');
    expect(server.seen).toHaveLength(3);
  });

  it("an insert answered 403 fails its destination alone; one answered 401 fails the key, for every destination", async () => {
    server = await scriptedServer((req, res) => {
      if (req.path.startsWith("/v1/experiment/denied/")) return json(res, 403, { error: "no access" });
      if (req.body.includes('"bad-key"')) return json(res, 401, { error: "invalid key" });
      acceptInsert(req, res);
    });
    resetLogState();
    const seen = captureWarnings();
    const d = start(server.url);
    const denied = makeParent("experiment_id", "denied");
    d.enqueue(denied, event("refused"));
    d.enqueue(byId, event("fine"));
    expect(await d.flush()).toEqual({ sent: 1, dropped: 1, pending: 0 });
    expect(d.stats().lastError).toBe("the API key may not access experiment denied (403 Forbidden) \"no access\"; check the key's permissions, or set orgName (BRAINTRUST_ORG_NAME) if the key belongs to several orgs");
    // Later rows for that destination are dropped on arrival; the others still go.
    d.enqueue(denied, event("later"));
    expect(d.stats().dropped.unresolved).toBe(1);
    d.enqueue(byId, event("bad-key"));
    expect(await d.flush()).toEqual({ sent: 0, dropped: 1, pending: 0 });
    expect(d.stats().lastError).toBe("the API key was rejected (401 Unauthorized) while inserting into project_id:p1: check BRAINTRUST_API_KEY (the apiKey option)");
    d.enqueue(byId, event("after"));
    expect(d.stats().dropped).toMatchObject({ rejected: 3, unresolved: 1 });
    expect(server.seen.map((r) => r.path)).toEqual(["/v1/experiment/denied/insert", "/v1/project_logs/p1/insert", "/v1/project_logs/p1/insert"]);
    // Each cause is said once, with how later rows are counted.
    await until(() => seen.warnings.some((w) => w.message.includes("401 Unauthorized")));
    const said = seen.warnings.map((w) => w.message);
    seen.stop();
    expect(said.filter((m) => m.includes("403 Forbidden"))).toEqual([expect.stringContaining("No rows for experiment_id:denied will be sent")]);
    expect(said.filter((m) => m.includes("401 Unauthorized"))).toEqual([expect.stringContaining("No rows will be sent")]);
  });
});
