// undici as the exporter uses it: fetch, and the Agent and ProxyAgent that client-node's
// config.js makes its dispatchers with, each from the module that defines it. Not from undici's
// index, which also loads and sets up what the exporter never uses: mock agents, the HTTP cache,
// WebSocket, EventSource, the retry and redirect interceptors, the cookie helpers… (1.35 of the
// bundle's 3.9 MB; ~2 MiB of RSS at 1,000 objects, docs/performance.md step 11). client-node's
// own `import … from "undici"` is resolved here (client-node-slim.ts), so the exporter and
// client-node share these classes as they shared the index's.
//
// What the index adds that is not taken here: the request()/stream()/pipeline() helpers it
// assigns to Dispatcher.prototype (fetch does not use them) and a fetch wrapper that appends the
// caller's stack to errors.

import type { Agent as IndexAgent, ProxyAgent as IndexProxyAgent, fetch as indexFetch } from "undici";
// @ts-expect-error undici's modules have no declarations of their own; its index's types say what they are.
import AgentClass from "undici/lib/dispatcher/agent.js";
// @ts-expect-error as above
import ProxyAgentClass from "undici/lib/dispatcher/proxy-agent.js";
// @ts-expect-error as above
import fetchModule from "undici/lib/web/fetch/index.js";

export const Agent: typeof IndexAgent = AgentClass;
export const ProxyAgent: typeof IndexProxyAgent = ProxyAgentClass;
export const fetch: typeof indexFetch = (fetchModule as { fetch: typeof indexFetch }).fetch;
export type { Dispatcher } from "undici";
