#!/usr/bin/env node
// Entry point (dist/main.js, the package's bin and the image's entrypoint, is this file bundled
// with everything it imports by scripts/build.ts). The client-node loading hook is registered
// first, so that it applies when the exporter's modules, imported after it (dynamically), load
// @kubernetes/client-node from src/; see kube/client-node-slim.ts.

import "./kube/client-node-hooks.ts";
import "./http/web-globals.ts";

const { main } = await import("./exporter.ts");
await main();
