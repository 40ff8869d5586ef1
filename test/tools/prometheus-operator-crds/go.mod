module crexporter.test/tools/prometheus-operator-crds

go 1.26.0

// Not built: test/tools/build.sh downloads this module and copies the generated CRD manifests
// it ships (example/prometheus-operator-crd/) into .tools/crds/prometheus-operator/.
require github.com/prometheus-operator/prometheus-operator v0.85.0
