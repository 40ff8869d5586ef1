// Built-in per-kind health rules: data, in the same shape as the `healthRules` value of the config
// file (a user entry for the same kind replaces the built-in one). Each rule is a CEL expression
// over the object (`self`), tried in the order failed → inProgress → current, first match wins;
// no match leaves the object to the generic rules (./generic.ts), which already read Stalled,
// Ready, observedGeneration and the like — so a kind needs rules only where its status says more,
// or says it differently. Every expression guards optional fields (`.?x.orValue(…)`, has()), so
// that no well-formed object makes a rule error.
//
// Written from each operator's published status types and documentation (the versions named
// below); docs/health.md has the table of kinds × verdicts over the test corpus.
// A TypeScript module rather than a YAML file so that the compiled image (dist/) needs no extra
// asset; the helpers below only build CEL strings.

import type { KindRulesSource } from "./index.ts";

/** `self.status.conditions` or [] when absent. */
const CONDITIONS = "self.?status.?conditions.orValue([])";

/** A condition of `type` whose status is one of `statuses` (and, optionally, extra CEL on `c`). */
function cond(type: string, statuses: string | readonly string[], extra?: string): string {
  const list = (typeof statuses === "string" ? [statuses] : statuses).map((s) => `'${s}'`).join(", ");
  const more = extra ? ` && (${extra})` : "";
  return `${CONDITIONS}.exists(c, c.?type.orValue('') == '${type}' && c.?status.orValue('') in [${list}]${more})`;
}

/** A string field (dotted path under status) equal to one of `values`. */
function field(path: string, values: readonly string[]): string {
  const chain = path
    .split(".")
    .map((p) => `.?${p}`)
    .join("");
  return `self.?status${chain}.orValue('') in [${values.map((v) => `'${v}'`).join(", ")}]`;
}

/** A condition (in status.conditions) whose own observedGeneration is behind metadata.generation. */
const CONDITION_GENERATION_LAG = `has(self.metadata.generation) && ${CONDITIONS}.exists(c, c.?observedGeneration.orValue(self.metadata.generation) < self.metadata.generation)`;

/** metadata.generation ahead of status.observedGeneration (a number or a numeric string). */
const GENERATION_LAG =
  "has(self.metadata.generation) && has(self.status) && has(self.status.observedGeneration) && " +
  "(type(self.status.observedGeneration) == string ? (self.status.observedGeneration.matches('^[0-9]+$') && " +
  "int(self.status.observedGeneration) < int(self.metadata.generation)) : " +
  "self.status.observedGeneration < self.metadata.generation)";

const ISTIO_RULES: KindRulesSource = {
  failed: [
    {
      when: "self.?status.?validationMessages.orValue([]).exists(m, m.?level.orValue('') == 'ERROR')",
      reason: "validation error",
    },
  ],
  inProgress: [
    { when: GENERATION_LAG, reason: "generation not observed" },
    { when: cond("Reconciled", ["False", "Unknown"]), reason: "proxies not up to date" },
  ],
  current: [{ when: cond("Reconciled", "True"), reason: "reconciled" }],
};

export const BUILTIN_HEALTH_RULES: Readonly<Record<string, KindRulesSource>> = {
  // cert-manager v1.x Certificate: Ready; Issuing (True while a certificate is being issued,
  // False reason Failed after a failed attempt); failedIssuanceAttempts counts failures until one
  // succeeds; Ready=False reason Expired once notAfter has passed.
  "Certificate.cert-manager.io": {
    failed: [
      { when: cond("Ready", "False", "c.?reason.orValue('') == 'Expired'"), reason: "expired" },
      {
        when: `!${cond("Ready", "True")} && (self.?status.?failedIssuanceAttempts.orValue(0) > 0 || ${cond("Issuing", "False", "c.?reason.orValue('') == 'Failed'")})`,
        reason: "issuance failed",
      },
    ],
    inProgress: [{ when: cond("Issuing", "True"), reason: "issuing" }],
    current: [{ when: cond("Ready", "True"), reason: "ready" }],
  },

  // Flux kustomize-controller / helm-controller (kstatus-compliant): Ready, Reconciling,
  // Stalled. A Ready=False whose reason ends in Failed (BuildFailed, HealthCheckFailed,
  // UpgradeFailed, …) is a failure even while Flux retries (Reconciling=True ProgressingWithRetry).
  // Suspended objects keep their last status and read from it.
  "Kustomization.kustomize.toolkit.fluxcd.io": {
    failed: [
      { when: cond("Stalled", "True"), reason: "stalled" },
      {
        when: cond(
          "Ready",
          "False",
          "c.?reason.orValue('').endsWith('Failed') || c.?reason.orValue('') in ['AccessDenied', 'ArtifactFailed', 'PruneFailed']",
        ),
        reason: "reconciliation failed",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: cond("Reconciling", "True"), reason: "reconciling" },
      { when: cond("Ready", ["False", "Unknown"]), reason: "not ready" },
    ],
    current: [{ when: cond("Ready", "True"), reason: "ready" }],
  },
  "HelmRelease.helm.toolkit.fluxcd.io": {
    failed: [
      { when: cond("Stalled", "True"), reason: "stalled" },
      {
        when: cond(
          "Ready",
          "False",
          "c.?reason.orValue('').endsWith('Failed') || c.?reason.orValue('') == 'RetriesExceeded'",
        ),
        reason: "release failed",
      },
      {
        when: cond("Released", "False", "c.?reason.orValue('').endsWith('Failed')"),
        reason: "Released=False",
      },
      { when: cond("TestSuccess", "False"), reason: "tests failed" },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: cond("Reconciling", "True"), reason: "reconciling" },
      { when: cond("Ready", ["False", "Unknown"]), reason: "not ready" },
    ],
    current: [{ when: cond("Ready", "True"), reason: "ready" }],
  },

  // Argo CD Application: status.health.status (Healthy, Progressing, Degraded, Suspended,
  // Missing, Unknown), status.operationState.phase of the last sync (Running, Succeeded, Failed,
  // Error, Terminating), conditions without a status field whose type ends in Error
  // (ComparisonError, InvalidSpecError, SyncError, …) while they are present.
  "Application.argoproj.io": {
    failed: [
      { when: field("health.status", ["Degraded"]), reason: "health Degraded" },
      { when: field("operationState.phase", ["Failed", "Error"]), reason: "sync failed" },
      {
        when: `${CONDITIONS}.exists(c, c.?type.orValue('').endsWith('Error'))`,
        reason: "error condition",
      },
    ],
    inProgress: [
      { when: field("operationState.phase", ["Running", "Terminating"]), reason: "sync running" },
      { when: field("health.status", ["Progressing"]), reason: "health Progressing" },
      { when: field("health.status", ["Missing"]), reason: "health Missing" },
      { when: field("health.status", ["Unknown"]), reason: "health Unknown" },
    ],
    current: [
      { when: field("health.status", ["Healthy"]), reason: "health Healthy" },
      { when: field("health.status", ["Suspended"]), reason: "health Suspended" },
    ],
  },

  // Argo Rollouts Rollout: status.phase (Healthy, Progressing, Paused, Degraded), status.abort,
  // a string observedGeneration, conditions Progressing (False reason ProgressDeadlineExceeded),
  // InvalidSpec, Available, Paused, Healthy.
  "Rollout.argoproj.io": {
    failed: [
      { when: cond("InvalidSpec", "True"), reason: "invalid spec" },
      { when: "self.?status.?abort.orValue(false) == true", reason: "aborted" },
      {
        when: cond("Progressing", "False", "c.?reason.orValue('') == 'ProgressDeadlineExceeded'"),
        reason: "progress deadline exceeded",
      },
      { when: field("phase", ["Degraded"]), reason: "phase Degraded" },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: field("phase", ["Progressing"]), reason: "phase Progressing" },
      // Paused at a canary step or by hand: the rollout is not finished until promoted.
      { when: field("phase", ["Paused"]), reason: "phase Paused" },
    ],
    current: [{ when: field("phase", ["Healthy"]), reason: "phase Healthy" }],
  },

  // CloudNativePG Cluster: status.phase is a sentence ("Cluster in healthy state", "Setting up
  // primary", "Failing over", …; the unrecoverable ones say so); conditions Ready,
  // ContinuousArchiving (False: WAL archiving failing), LastBackupSucceeded.
  "Cluster.postgresql.cnpg.io": {
    failed: [
      {
        when: "self.?status.?phase.orValue('').lowerAscii().matches('unrecoverable|cannot|unable to|not enough disk|failed|error|missing architecture')",
        reason: "phase unrecoverable",
      },
      // While the cluster otherwise reads healthy (a failover interrupts archiving for a while).
      {
        when: `${field("phase", ["Cluster in healthy state"])} && ${cond("ContinuousArchiving", "False")}`,
        reason: "WAL archiving failing",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      {
        when: "has(self.status) && has(self.status.phase) && self.status.phase != 'Cluster in healthy state'",
        reason: "phase not healthy",
      },
      { when: cond("Ready", ["False", "Unknown"]), reason: "not ready" },
    ],
    current: [{ when: field("phase", ["Cluster in healthy state"]), reason: "phase healthy" }],
  },

  // Crossplane Provider (pkg.crossplane.io v1): conditions Installed (ActivePackageRevision) and
  // Healthy (HealthyPackageRevision; False UnhealthyPackageRevision; Unknown while unknown).
  "Provider.pkg.crossplane.io": {
    failed: [
      { when: cond("Healthy", "False"), reason: "package unhealthy" },
      {
        when: cond("Installed", "False", "c.?reason.orValue('').matches('Unhealthy|Fail|Error|Invalid')"),
        reason: "install failed",
      },
    ],
    inProgress: [
      { when: `!${cond("Installed", "True")}`, reason: "not installed" },
      { when: `!${cond("Healthy", "True")}`, reason: "health not known" },
    ],
    current: [
      { when: `${cond("Installed", "True")} && ${cond("Healthy", "True")}`, reason: "installed and healthy" },
    ],
  },

  // Cluster API Cluster (v1beta1 and v1beta2): status.phase (Pending, Provisioning, Provisioned,
  // Deleting, Failed, Unknown), failureReason/failureMessage (v1beta1, kept under
  // status.deprecated.v1beta1 in v1beta2), conditions Ready (v1beta1) / Available (v1beta2).
  "Cluster.cluster.x-k8s.io": {
    failed: [
      { when: field("phase", ["Failed"]), reason: "phase Failed" },
      {
        when: "has(self.status) && (has(self.status.failureReason) || has(self.status.failureMessage) || self.status.?deprecated.?v1beta1.?failureReason.hasValue())",
        reason: "failureReason set",
      },
      {
        when: `${field("phase", ["Provisioned"])} && (${cond("Available", "False")} || ${cond("Ready", "False")})`,
        reason: "provisioned but not available",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: field("phase", ["Pending", "Provisioning", "Unknown"]), reason: "provisioning" },
      { when: cond("Available", ["False", "Unknown"]), reason: "not available" },
    ],
    current: [{ when: field("phase", ["Provisioned"]), reason: "phase Provisioned" }],
  },
  // Cluster API MachineDeployment (v1beta1 and v1beta2): status.phase (ScalingUp, ScalingDown,
  // Running, Failed, Unknown), replica counts, conditions Available (the controller's judgement
  // against maxUnavailable: 478 of 480 ready can be Available), RollingOut, ScalingUp, Paused
  // (a paused object's conditions are not updated).
  "MachineDeployment.cluster.x-k8s.io": {
    failed: [
      { when: field("phase", ["Failed"]), reason: "phase Failed" },
      {
        when: "has(self.status) && (has(self.status.failureReason) || has(self.status.failureMessage))",
        reason: "failureReason set",
      },
      {
        when: `${cond("Available", "False")} && !${cond("RollingOut", "True")} && !${cond("ScalingUp", "True")} && !${cond("Paused", "True")}`,
        reason: "not available",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: field("phase", ["ScalingUp", "ScalingDown", "Unknown"]), reason: "scaling" },
      {
        when: `${cond("RollingOut", "True")} || ${cond("ScalingUp", "True")} || ${cond("ScalingDown", "True")}`,
        reason: "rolling out",
      },
      {
        when: `!${cond("Paused", "True")} && ${cond("Available", ["False", "Unknown"])}`,
        reason: "not available",
      },
    ],
    current: [
      { when: cond("Paused", "True"), reason: "paused" },
      { when: field("phase", ["Running"]), reason: "phase Running" },
    ],
  },

  // Strimzi Kafka: condition Ready=True when reconciled; NotReady=True reason Creating while
  // being deployed, NotReady=True with an exception name as reason when reconciliation fails;
  // Warning=True is a deprecation notice, not a failure; ReconciliationPaused=True (annotation
  // strimzi.io/pause-reconciliation) replaces the other conditions while paused.
  "Kafka.kafka.strimzi.io": {
    failed: [
      {
        when: cond("NotReady", "True", "!(c.?reason.orValue('') in ['Creating', 'Updating', 'Reconciling'])"),
        reason: "reconciliation failed",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: cond("NotReady", "True"), reason: "creating" },
      {
        when: `!${cond("Ready", "True")} && !${cond("ReconciliationPaused", "True")}`,
        reason: "not ready",
      },
    ],
    current: [
      { when: cond("ReconciliationPaused", "True"), reason: "reconciliation paused" },
      { when: cond("Ready", "True"), reason: "ready" },
    ],
  },

  // KEDA ScaledObject: Ready (False: the scaler or its target cannot be read), Active (whether
  // it scales above the minimum: not health), Fallback=True (the scaler fails and fallback
  // replicas are in use), Paused.
  "ScaledObject.keda.sh": {
    failed: [
      { when: cond("Fallback", "True"), reason: "fallback active" },
      { when: cond("Ready", "False"), reason: "not ready" },
    ],
    inProgress: [
      { when: `!${cond("Ready", "True")} && !${cond("Paused", "True")}`, reason: "not ready yet" },
    ],
    current: [
      { when: cond("Paused", "True"), reason: "paused" },
      { when: cond("Ready", "True"), reason: "ready" },
    ],
  },

  // Gateway API Gateway: conditions Accepted and Programmed (False reason Pending while the
  // implementation works on it, AddressNotAssigned while the load balancer gets its address), and per listener (status.listeners[].conditions) Accepted,
  // Programmed, ResolvedRefs, Conflicted.
  "Gateway.gateway.networking.k8s.io": {
    failed: [
      { when: cond("Accepted", "False", "c.?reason.orValue('') != 'Pending'"), reason: "not accepted" },
      {
        when: cond("Programmed", "False", "!(c.?reason.orValue('') in ['Pending', 'AddressNotAssigned'])"),
        reason: "not programmed",
      },
      {
        when: "self.?status.?listeners.orValue([]).exists(l, l.?conditions.orValue([]).exists(c, (c.?type.orValue('') == 'Conflicted' && c.?status.orValue('') == 'True') || (c.?type.orValue('') in ['Accepted', 'ResolvedRefs', 'Programmed'] && c.?status.orValue('') == 'False' && c.?reason.orValue('') != 'Pending')))",
        reason: "listener invalid",
      },
    ],
    inProgress: [
      {
        when: CONDITION_GENERATION_LAG,
        reason: "generation not observed",
      },
      {
        when: `!${cond("Accepted", "True")} || !${cond("Programmed", "True")}`,
        reason: "not programmed yet",
      },
    ],
    current: [{ when: `${cond("Accepted", "True")} && ${cond("Programmed", "True")}`, reason: "programmed" }],
  },
  // Gateway API HTTPRoute: one status per parent (status.parents[].conditions): Accepted and
  // ResolvedRefs. No parent status yet: not attached.
  "HTTPRoute.gateway.networking.k8s.io": {
    failed: [
      {
        when: "self.?status.?parents.orValue([]).exists(p, p.?conditions.orValue([]).exists(c, c.?type.orValue('') in ['Accepted', 'ResolvedRefs'] && c.?status.orValue('') == 'False' && c.?reason.orValue('') != 'Pending'))",
        reason: "parent rejected route",
      },
    ],
    inProgress: [
      { when: "size(self.?status.?parents.orValue([])) == 0", reason: "no parent status" },
      {
        when: "has(self.metadata.generation) && self.status.parents.exists(p, p.?conditions.orValue([]).exists(c, c.?observedGeneration.orValue(self.metadata.generation) < self.metadata.generation))",
        reason: "generation not observed",
      },
      {
        when: "self.status.parents.exists(p, !p.?conditions.orValue([]).exists(c, c.?type.orValue('') == 'Accepted' && c.?status.orValue('') == 'True'))",
        reason: "not accepted yet",
      },
    ],
    current: [{ when: "true", reason: "accepted by every parent" }],
  },

  // prometheus-operator Prometheus (and Alertmanager): conditions Available (True, Degraded when
  // some replicas are not ready, False when none is) and Reconciled (False: the operator could
  // not apply the spec).
  "Prometheus.monitoring.coreos.com": {
    failed: [
      { when: cond("Reconciled", "False"), reason: "not reconciled" },
      { when: cond("Available", "Degraded"), reason: "available Degraded" },
    ],
    inProgress: [
      // Conditions carry the generation they describe (no status.observedGeneration); a paused
      // object is not reconciled on purpose.
      {
        when: `!self.?spec.?paused.orValue(false) && ${CONDITION_GENERATION_LAG}`,
        reason: "generation not observed",
      },
      { when: cond("Available", ["False", "Unknown"]), reason: "not available" },
    ],
    current: [{ when: cond("Available", "True"), reason: "available" }],
  },
  "Alertmanager.monitoring.coreos.com": {
    failed: [
      { when: cond("Reconciled", "False"), reason: "not reconciled" },
      { when: cond("Available", "Degraded"), reason: "available Degraded" },
    ],
    inProgress: [{ when: cond("Available", ["False", "Unknown"]), reason: "not available" }],
    current: [{ when: cond("Available", "True"), reason: "available" }],
  },

  // Tekton PipelineRun / TaskRun (Knative-style): Succeeded=Unknown while running (reasons
  // Started, Running, Pending), True when done, False when failed, timed out or cancelled.
  "PipelineRun.tekton.dev": {
    failed: [{ when: cond("Succeeded", "False"), reason: "run failed" }],
    inProgress: [{ when: `!${cond("Succeeded", "True")}`, reason: "running" }],
    current: [{ when: cond("Succeeded", "True"), reason: "succeeded" }],
  },
  "TaskRun.tekton.dev": {
    failed: [{ when: cond("Succeeded", "False"), reason: "run failed" }],
    inProgress: [{ when: `!${cond("Succeeded", "True")}`, reason: "running" }],
    current: [{ when: cond("Succeeded", "True"), reason: "succeeded" }],
  },

  // Knative Serving Service: Ready, ConfigurationsReady, RoutesReady; Knative uses Unknown while
  // reconciling and False only for failures (RevisionFailed, ContainerMissing, …).
  "Service.serving.knative.dev": {
    failed: [
      {
        when: `${CONDITIONS}.exists(c, c.?type.orValue('') in ['Ready', 'ConfigurationsReady', 'RoutesReady'] && c.?status.orValue('') == 'False')`,
        reason: "not ready",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: `!${cond("Ready", "True")}`, reason: "reconciling" },
    ],
    current: [{ when: cond("Ready", "True"), reason: "ready" }],
  },

  // External Secrets Operator ExternalSecret: Ready (True SecretSynced; False SecretSyncedError
  // when the provider cannot be read; False SecretMissing when a Merge target does not exist, so
  // nothing is delivered until someone creates it; False SecretDeleted with deletionPolicy Delete
  // when the provider's secret is gone).
  "ExternalSecret.external-secrets.io": {
    failed: [
      {
        when: cond(
          "Ready",
          "False",
          "c.?reason.orValue('').endsWith('Error') || c.?reason.orValue('') == 'SecretMissing'",
        ),
        reason: "sync error",
      },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: `!${cond("Ready", "True")}`, reason: "not synced yet" },
    ],
    current: [{ when: cond("Ready", "True"), reason: "synced" }],
  },

  // Velero Backup / Restore: status.phase (New, FailedValidation, InProgress,
  // WaitingForPluginOperations[PartiallyFailed], Finalizing[PartiallyFailed], Completed,
  // PartiallyFailed, Failed, Deleting). No status until the server picks the backup up.
  "Backup.velero.io": {
    failed: [
      {
        when: "self.?status.?phase.orValue('') in ['Failed', 'FailedValidation', 'PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed']",
        reason: "backup failed",
      },
    ],
    inProgress: [
      {
        when: field("phase", [
          "",
          "New",
          "InProgress",
          "WaitingForPluginOperations",
          "Finalizing",
          "Deleting",
        ]),
        reason: "backup running",
      },
    ],
    current: [{ when: field("phase", ["Completed"]), reason: "completed" }],
  },
  "Restore.velero.io": {
    failed: [
      {
        when: "self.?status.?phase.orValue('') in ['Failed', 'FailedValidation', 'PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed']",
        reason: "restore failed",
      },
    ],
    inProgress: [
      {
        when: field("phase", ["", "New", "InProgress", "WaitingForPluginOperations", "Finalizing"]),
        reason: "restore running",
      },
    ],
    current: [{ when: field("phase", ["Completed"]), reason: "completed" }],
  },

  // Istio networking kinds (IstioStatus): validationMessages from the in-cluster analysis (level
  // ERROR, WARNING, INFO), a Reconciled condition (False while proxies are being updated), a string
  // observedGeneration. Only errors fail: warnings and infos are advice.
  "VirtualService.networking.istio.io": ISTIO_RULES,
  "DestinationRule.networking.istio.io": ISTIO_RULES,
  "Gateway.networking.istio.io": ISTIO_RULES,
  "ServiceEntry.networking.istio.io": ISTIO_RULES,
  "Sidecar.networking.istio.io": ISTIO_RULES,

  // Elastic Cloud on Kubernetes Elasticsearch: status.health (green, yellow, red, unknown) and
  // status.phase (Ready, ApplyingChanges, MigratingData, Invalid). Yellow = replicas not
  // allocated: serving, not yet safe.
  "Elasticsearch.elasticsearch.k8s.elastic.co": {
    failed: [
      { when: field("health", ["red"]), reason: "health red" },
      { when: field("phase", ["Invalid"]), reason: "phase Invalid" },
    ],
    inProgress: [
      { when: GENERATION_LAG, reason: "generation not observed" },
      { when: field("phase", ["ApplyingChanges", "MigratingData"]), reason: "applying changes" },
      { when: field("health", ["yellow", "unknown", ""]), reason: "health not green" },
    ],
    current: [{ when: field("health", ["green"]), reason: "health green" }],
  },
};
