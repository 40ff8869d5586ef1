// The parts of @kubernetes/client-node the exporter uses, each imported from its own module:
// KubeConfig (kubeconfig and in-cluster loading, request authentication), Watch, and the request
// context the authentication is applied to. Not from the package's index, which loads every
// generated API class and model the exporter never uses; see client-node-slim.ts for the one
// import of KubeConfig's module that still would.

export { KubeConfig } from "@kubernetes/client-node/dist/config.js";
export { HttpMethod, RequestContext } from "@kubernetes/client-node/dist/gen/http/http.js";
export { Watch } from "@kubernetes/client-node/dist/watch.js";
