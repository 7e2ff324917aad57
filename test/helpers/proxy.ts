// A small forward proxy for tests: it answers CONNECT by opening a tunnel to the target,
// like the corporate proxies HTTP_PROXY / HTTPS_PROXY point at, and records what it tunnelled.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";

export interface ConnectProxy {
  url: string;
  /** `host:port` of every tunnel asked for, in order. */
  tunnels: string[];
  /** Proxy-Authorization headers received, in order. */
  credentials: (string | undefined)[];
  close(): Promise<void>;
}

/** `refuse`: answer every CONNECT with this status instead of tunnelling (a proxy policy that blocks the API). */
export async function startConnectProxy(options: { refuse?: number } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const credentials: (string | undefined)[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(405);
    res.end("only CONNECT");
  });
  server.on("connect", (req, client, head) => {
    tunnels.push(req.url ?? "");
    credentials.push(req.headers["proxy-authorization"]);
    if (options.refuse !== undefined) {
      client.end(`HTTP/1.1 ${options.refuse} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", end);
    client.on("error", end);
    client.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    credentials,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
