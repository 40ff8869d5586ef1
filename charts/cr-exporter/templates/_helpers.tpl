{{/* Names, labels and the values several templates derive. */}}

{{- define "cr-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: "<release>-cr-exporter", or the release name when it already contains the chart's name. */}}
{{- define "cr-exporter.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cr-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{- define "cr-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cr-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cr-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cr-exporter.labels" -}}
helm.sh/chart: {{ include "cr-exporter.chart" . }}
{{ include "cr-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: metrics
app.kubernetes.io/part-of: cr-exporter
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "cr-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cr-exporter.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag[@digest]; the tag defaults to the chart's appVersion. */}}
{{- define "cr-exporter.image" -}}
{{- $repository := .Values.image.repository -}}
{{- if .Values.image.registry -}}
{{- $repository = printf "%s/%s" .Values.image.registry .Values.image.repository -}}
{{- end -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
The API groups to grant and watch, as a JSON list. "*" expands to the groups of the CRDs the
cluster has now (lookup; empty under `helm template`), never to the RBAC wildcard.
*/}}
{{- define "cr-exporter.groups" -}}
{{- if not .Values.groups -}}
{{- fail "\n\ncr-exporter: set `groups` to the API groups whose custom resources to export, e.g.\n  --set 'groups={cert-manager.io,argoproj.io}'\nThe RBAC grants read access to these groups only. To export every CRD group present at install time, use --set 'groups={*}'." -}}
{{- end -}}
{{- $groups := list -}}
{{- if has "*" .Values.groups -}}
{{- $crds := lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" "" -}}
{{- range (dig "items" list $crds) -}}
{{- $groups = append $groups .spec.group -}}
{{- end -}}
{{- else -}}
{{- $groups = .Values.groups -}}
{{- end -}}
{{- $groups | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/* Rules granting read access to the selected groups (nothing when there is none). */}}
{{- define "cr-exporter.groupRules" -}}
{{- $groups := include "cr-exporter.groups" . | fromJsonArray -}}
{{- if $groups -}}
- apiGroups:
    {{- range $groups }}
    - {{ . | quote }}
    {{- end }}
  resources: ["*"]
  verbs: ["get", "list", "watch"]
{{- end -}}
{{- end -}}

{{/* Whether the groups are granted per namespace (Roles) rather than cluster-wide. */}}
{{- define "cr-exporter.namespacedRbac" -}}
{{- if and .Values.rbac.namespaced .Values.namespaces -}}true{{- end -}}
{{- end -}}

{{/* The exporter's --config file: the settings the chart manages plus `config`. */}}
{{- define "cr-exporter.config" -}}
{{- $managed := dict -}}
{{- if not (has "*" .Values.groups) -}}
{{- $_ := set $managed "includeGroups" (.Values.groups | uniq | sortAlpha) -}}
{{- end -}}
{{- if .Values.namespaces -}}
{{- $_ := set $managed "namespaces" (.Values.namespaces | uniq) -}}
{{- end -}}
{{- toYaml (merge $managed (deepCopy .Values.config)) -}}
{{- end -}}

{{- define "cr-exporter.monitoringApi" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" -}}true{{- end -}}
{{- end -}}

{{- define "cr-exporter.labelList" -}}
{{- $pairs := list -}}
{{- range $k, $v := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join ", " $pairs -}}
{{- end -}}
