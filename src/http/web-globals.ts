// The fetch API's Request, Response and Headers globals and the WebSocket API's CloseEvent, set to
// the classes of the undici the exporter already bundles (client-node's requests go through its
// fetch, kube/undici-slim.ts), before @hono/node-server loads. That package reads all four from
// the global object when it loads (its Request extends the global one; CloseEvent is for its
// WebSocket support, which the exporter does not use). In Node 24 they are lazy globals: the first read
// loads and compiles Node's own copy of undici (internal/deps/undici, about 750 KB of source),
// which nothing else here uses: about 50 ms of CPU at every start and 1-2 MiB of RSS
// (docs/performance.md, step 17). main.ts imports this module before anything else.
//
// Assigned, not defined: Object.defineProperty on one of these lazy globals loads Node's copy
// first, a plain assignment replaces it without loading it. Node's global fetch is left alone;
// nothing in the exporter calls it.

// @ts-expect-error undici's modules have no declarations of their own; the DOM types say what they are.
import headersModule from "undici/lib/web/fetch/headers.js";
// @ts-expect-error as above
import requestModule from "undici/lib/web/fetch/request.js";
// @ts-expect-error as above
import responseModule from "undici/lib/web/fetch/response.js";
// @ts-expect-error as above
import websocketEventsModule from "undici/lib/web/websocket/events.js";

globalThis.Headers = (headersModule as { Headers: typeof Headers }).Headers;
globalThis.Request = (requestModule as { Request: typeof Request }).Request;
globalThis.Response = (responseModule as { Response: typeof Response }).Response;
globalThis.CloseEvent = (websocketEventsModule as { CloseEvent: typeof CloseEvent }).CloseEvent;
