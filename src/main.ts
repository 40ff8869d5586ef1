#!/usr/bin/env node
// Entry point. The client-node loading hook is registered first, so that it applies when the
// exporter's modules, imported after it (dynamically), load @kubernetes/client-node; see
// kube/client-node-slim.ts.

import "./kube/client-node-hooks.ts";

const { main } = await import("./exporter.ts");
await main();
