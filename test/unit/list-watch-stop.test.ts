// A loop that is stopped while its LIST or WATCH request is still in flight reports nothing about
// that request afterwards: the kind's self-metric series were removed at the stop, and a late
// requestError would recreate one (a CRD deleted while its watch reconnects answers 404).
// The server here is a loopback stub that holds requests, so the order is certain; the churn
// integration test covers the same path against a real API server.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { KubeClient } from "../../src/kube/client.ts";
import { KubeConfig } from "../../src/kube/client-node.ts";
import { ListWatch, type ListWatchSink } from "../../src/kube/list-watch.ts";
import { eventually } from "../helpers/wait.ts";

type Held = { req: IncomingMessage; res: ServerResponse };

const sink: ListWatchSink = { listStart() {}, upsert() {}, remove() {}, listDone() {} };
const options = {
  pageSize: 100,
  watchTimeoutSeconds: 60,
  idleTimeoutMs: 60_000,
  backoffBaseMs: 60_000,
  backoffCapMs: 60_000,
  requestTimeoutMs: 60_000,
};
const notFound = (res: ServerResponse) => {
  res.writeHead(404, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      kind: "Status",
      code: 404,
      reason: "NotFound",
      message: "the server could not find the requested resource",
    }),
  );
};

describe("ListWatch stopped with a request in flight", () => {
  let server: Server;
  let client: KubeClient;
  /** The stub always holds WATCH requests; LIST requests too while this is true, else it answers them. */
  let holdLists = false;
  const held: Held[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const watch = new URL(req.url ?? "/", "http://x").searchParams.get("watch") === "true";
      if (watch || holdLists) {
        held.push({ req, res });
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "List", items: [], metadata: { resourceVersion: "7" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: "c",
          server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          skipTLSVerify: true,
        },
      ],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    client = new KubeClient(kc);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** Answers a held request with 404; resolves when the stub has sent it. */
  const answer404 = async (h: Held) => {
    const done = new Promise((r) => h.res.on("finish", r));
    notFound(h.res);
    await done;
  };

  const loop = (errors: string[]) =>
    new ListWatch(client, { ...options, path: "/apis/g.example.com/v1/things" }, sink, {
      requestError: (verb, status) => errors.push(`${verb} ${status}`),
    });

  it("counts a watch's 404 while it runs (the control: the path is reached)", async () => {
    const errors: string[] = [];
    const lw = loop(errors);
    lw.start();
    const h = await eventually("watch request held", () => held.shift());
    await answer404(h);
    await eventually("the 404 counted", () => errors.includes("watch 404"));
    await lw.stop();
  });

  it("does not count a watch's 404 that arrives after stop()", async () => {
    const errors: string[] = [];
    const lw = loop(errors);
    lw.start();
    const h = await eventually("watch request held", () => held.shift());
    await lw.stop();
    await answer404(h);
    // A probe loop's 404, answered after that one, is counted: by then the client has read both.
    const seen: string[] = [];
    const probe = loop(seen);
    probe.start();
    await answer404(await eventually("probe's watch request held", () => held.shift()));
    await eventually("the probe's 404 counted", () => seen.includes("watch 404"));
    await probe.stop();
    assert.deepEqual(errors, [], "the stopped loop reported an error about a request it had given up");
  });

  it("does not count a LIST cut short by stop()", async () => {
    const errors: string[] = [];
    holdLists = true;
    const lw = loop(errors);
    lw.start();
    const h = await eventually("list request held", () => held.shift());
    assert.equal(new URL(h.req.url ?? "/", "http://x").searchParams.get("watch"), null);
    await lw.stop();
    holdLists = false;
    h.res.destroy();
    assert.deepEqual(errors, [], "an aborted LIST was reported as an API error");
  });
});
