// Options that used to fail every request, forever (UND_ERR_INVALID_ARG, a 1 ms timeout):
// each is now found when options are read, and said once, naming the option.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/config.js";

const KEY = "sk-validate-abcdef123456";
const base = { apiKey: KEY, projectName: "x", env: {} };

function error(options: Parameters<typeof resolveConfig>[0]): string {
  const result = resolveConfig(options);
  if (result.ok) throw new Error("expected a config error");
  return result.error;
}

describe("numbers a timer cannot hold", () => {
  it.each([
    ["exportTimeoutMillis", 1e10, 30_000, /`exportTimeoutMillis` must be a number from 1 to 2147483647, got 10000000000; using 30000/],
    ["scheduledDelayMillis", 2 ** 31, 1000, /`scheduledDelayMillis` must be a number from 0 to 2147483647/],
    ["maxConcurrentRequests", 1e6, 16, /`maxConcurrentRequests` must be a number from 1 to 1024/],
  ] as const)("%s: %d is refused for the default, with one warning", (name, value, fallback, message) => {
    const result = resolveConfig({ ...base, [name]: value });
    expect(result.ok && result.config[name]).toBe(fallback);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(message);
  });
});

describe("headers undici would refuse on every request", () => {
  it.each([
    [{ "x-team": "ml\r\nx-injected: 1" }, /value of x-team holds a character that cannot be sent in a header \(control character U\+000D at position 2\)/],
    [{ "x-team": "naïve ☃" }, /value of x-team holds a character .*"☃" \(U\+2603\)/],
    [{ "bad name": "v" }, /"bad name" is not a valid header name/],
    [{ "x-tëam": "v" }, /"x-tëam" is not a valid header name/],
    [{ "Content-Length": "10" }, /Content-Length describes the connection or the body/],
    [{ "transfer-encoding": "chunked" }, /transfer-encoding describes the connection or the body/],
    [{ Connection: "upgrade" }, /Connection describes/],
  ])("%j is one config error", (headers, message) => {
    expect(error({ ...base, headers })).toMatch(message);
  });

  it("a header value is never quoted (it may be a token), nor the key", () => {
    const text = error({ ...base, headers: { "x-token": `secret-token-${KEY}\n` } });
    expect(text).not.toContain("secret-token");
    expect(text).not.toContain(KEY);
  });

  it("Latin-1 values pass, as undici sends them", () => {
    const result = resolveConfig({ ...base, headers: { "x-team": "naïve café" } });
    expect(result.ok && result.config.headers["x-team"]).toBe("naïve café");
  });

  it("names differing only in case are one header: the last wins, with a warning", () => {
    const result = resolveConfig({ ...base, headers: { "X-Team": "a", "x-team": "b" } });
    expect(result.ok && result.config.headers).toEqual({ "x-team": "b" });
    expect(result.warnings.join()).toMatch(/names "X-Team" and "x-team", one header/);
  });

  it("an Authorization header stands in for the key (a gateway's own auth)", () => {
    const result = resolveConfig({ projectName: "x", headers: { authorization: "Basic Z2F0ZXdheQ==" }, env: {} });
    expect(result.ok && result.config.headers.authorization).toBe("Basic Z2F0ZXdheQ==");
    expect(result.ok && result.config.apiKey).toBe("");
  });

  it("an impersonated user must be sendable too", () => {
    expect(error({ ...base, env: { BRAINTRUST_IMPERSONATE_USER: "ada\nx" } })).toMatch(/`impersonateUser` \(BRAINTRUST_IMPERSONATE_USER\) holds a character/);
  });
});

describe("a key that is not a header value", () => {
  it("is one config error that says where the bad character is, not what the key is", () => {
    const key = "sk-abc\u2013def123456"; // an en dash, pasted from a document
    const text = error({ apiKey: key, projectName: "x", env: {} });
    expect(text).toMatch(/the API key holds a character that cannot be sent in a header \("–" \(U\+2013\) at position 6 of 16\)/);
    expect(text).not.toContain("sk-abc");
    expect(text).not.toContain("def123456");
  });
});

describe("proxies and dispatchers", () => {
  it("reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the config's environment, lowercase first", () => {
    const result = resolveConfig({ ...base, env: { HTTPS_PROXY: "http://upper:8080", https_proxy: "http://lower:8080", HTTP_PROXY: "http://p:3128", NO_PROXY: "localhost" } });
    expect(result.ok && result.config.proxy).toEqual({ httpProxy: "http://p:3128", httpsProxy: "http://lower:8080", noProxy: "localhost" });
  });

  it("a proxy variable that is not a URL is one config error naming it, without its credentials", () => {
    const text = error({ ...base, env: { HTTPS_PROXY: "user:hunter2@proxy:8080" } });
    expect(text).toMatch(/HTTPS_PROXY is not an http\(s\) URL/);
    const withScheme = error({ ...base, env: { https_proxy: "socks5://user:hunter2@proxy:1080" } });
    expect(withScheme).toMatch(/https_proxy is not an http\(s\) URL .*"socks5:\/\/\*\*\*@proxy:1080"/);
    expect(withScheme).not.toContain("hunter2");
  });

  it("a dispatcher must be one", () => {
    expect(error({ ...base, dispatcher: {} as never })).toMatch(/`dispatcher` must be an undici Dispatcher/);
  });
});

describe("credentials in apiUrl", () => {
  it("are removed (requests go to the origin, never with them) with a warning that does not repeat them", () => {
    const result = resolveConfig({ ...base, apiUrl: "https://user:s3cret@api.braintrust.dev/" });
    expect(result.ok && result.config.apiUrl).toBe("https://api.braintrust.dev");
    expect(result.warnings.join()).toMatch(/apiUrl holds credentials/);
    expect(result.warnings.join()).not.toContain("s3cret");
  });
});
