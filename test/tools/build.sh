#!/usr/bin/env bash
# Builds the tools the tests and benchmarks run, from pinned Go modules (each folder here is a
# small wrapper module whose go.mod/go.sum pin the tool), into .tools/bin/ at the repo root.
# A tool is rebuilt only when its wrapper's go.mod/go.sum or the Go version changed, so a second
# run takes a moment. Works with empty Go caches (everything comes from the Go module proxy).
#
#   test/tools/build.sh all | TOOL...    TOOL: kube-apiserver etcd helm prometheus promtool
#                                             kube-state-metrics alertmanager
#                                             prometheus-operator-crds actionlint
#
# prometheus-operator-crds is not a binary: the pinned prometheus-operator module ships its
# generated CRD manifests; they are copied to .tools/crds/prometheus-operator/ (the chart tests
# install them into the test API server to check the ServiceMonitor and PrometheusRule).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="$root/.tools/bin"
stamps="$root/.tools/stamps"
mkdir -p "$bin" "$stamps"
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0

# tool → wrapper folder and Go package (tags: Prometheus without its React UI assets).
pkg_of() {
  case "$1" in
    kube-apiserver) echo "kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver" ;;
    etcd) echo "etcd go.etcd.io/etcd/server/v3" ;;
    helm) echo "helm helm.sh/helm/v3/cmd/helm" ;;
    prometheus) echo "prometheus github.com/prometheus/prometheus/cmd/prometheus" ;;
    promtool) echo "prometheus github.com/prometheus/prometheus/cmd/promtool" ;;
    kube-state-metrics) echo "kube-state-metrics k8s.io/kube-state-metrics/v2" ;;
    alertmanager) echo "alertmanager github.com/prometheus/alertmanager/cmd/alertmanager" ;;
    prometheus-operator-crds) echo "prometheus-operator-crds github.com/prometheus-operator/prometheus-operator" ;;
    actionlint) echo "actionlint github.com/rhysd/actionlint/cmd/actionlint" ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

tools=("$@")
if [ "${#tools[@]}" -eq 0 ] || [ "${tools[0]}" = all ]; then
  # The test cluster first: most tests need it.
  tools=(kube-apiserver etcd helm promtool prometheus kube-state-metrics alertmanager)
fi

for tool in "${tools[@]}"; do
  read -r dir pkg < <(pkg_of "$tool")
  stamp=$(cat "$here/$dir/go.mod" "$here/$dir/go.sum" <(go env GOVERSION) <(echo "$pkg") | sha256sum | cut -c1-16)
  if [ -x "$bin/$tool" ] && [ "$(cat "$stamps/$tool" 2>/dev/null)" = "$stamp" ]; then
    echo "tools: $tool up to date"
    continue
  fi
  if [ "$tool" = prometheus-operator-crds ]; then
    out="$root/.tools/crds/prometheus-operator"
    if [ -d "$out" ] && [ "$(cat "$stamps/$tool" 2>/dev/null)" = "$stamp" ]; then
      echo "tools: $tool up to date"
      continue
    fi
    moddir=$(cd "$here/$dir" && go mod download "$pkg" && go list -mod=readonly -m -f '{{.Dir}}' "$pkg")
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    cp "$moddir"/example/prometheus-operator-crd/monitoring.coreos.com_*.yaml "$out.tmp/"
    chmod u+w "$out.tmp"/*.yaml
    rm -rf "$out" && mv "$out.tmp" "$out"
    echo "$stamp" > "$stamps/$tool"
    echo "tools: copied $(ls "$out" | wc -l) CRDs of $pkg $(grep -m1 -E '^require ' "$here/$dir/go.mod" | cut -d' ' -f3) to .tools/crds/"
    continue
  fi
  start=$(date +%s)
  echo "tools: building $tool from $pkg ($(grep -m1 -E '^require ' "$here/$dir/go.mod" | cut -d' ' -f2-))" >&2
  (cd "$here/$dir" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin/$tool.tmp" "$pkg")
  mv "$bin/$tool.tmp" "$bin/$tool"
  echo "$stamp" > "$stamps/$tool"
  echo "tools: built $tool in $(( $(date +%s) - start ))s"
done
