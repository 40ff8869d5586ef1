// A loopback TCP proxy for fault tests: put it between the exporter and the API server, then
// cut every connection (and refuse new ones), stall them (keep sockets open, forward nothing),
// or let traffic flow again. TLS passes through untouched.

import { createConnection, createServer, type Server, type Socket } from "node:net";

export type ProxyMode = "forward" | "refuse" | "stall";

export interface TcpProxy {
  readonly port: number;
  /**
   * forward: pass bytes; refuse: cut every connection and close new ones at once; stall: keep
   * every connection (and new ones) open but pass nothing.
   */
  /** Connections accepted so far (a hot retry loop shows up here). */
  readonly connections: number;
  setMode(mode: ProxyMode): void;
  stop(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = "forward";
  let connections = 0;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    connections++;
    if (mode === "refuse") {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    if (mode === "stall") {
      // Accepted, connected upstream, and then nothing passes (pipe() would resume them).
      client.pause();
      upstream.pause();
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    setMode(next) {
      mode = next;
      for (const [client, upstream] of pairs) {
        if (next === "refuse") {
          client.destroy();
          upstream.destroy();
        } else if (next === "stall") {
          client.unpipe(upstream);
          upstream.unpipe(client);
          client.pause();
          upstream.pause();
        }
        // "forward" applies to new connections only: a stalled connection stays stalled, as a
        // half-dead TCP connection would, and only the client's own watchdog can get it out.
      }
      if (next === "refuse") pairs.clear();
    },
    async stop() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
