// What client-node's config.js takes from its generated-code index, taken from the modules that
// define it (see client-node-slim.ts for why). If a new client-node version imports more from
// the index, linking config.js fails at start-up naming the missing export, and
// test/unit/client-node-loading.test.ts fails first.

export { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";
export { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js";
