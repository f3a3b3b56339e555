{{/* The image the operator runs, and the default image of forwarder pods. */}}
{{- define "sshtunnel.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "sshtunnel.labels" -}}
app.kubernetes.io/name: {{ .Release.Name }}
app.kubernetes.io/part-of: sshtunnel-operator
{{- end -}}

{{/*
The operator's rules on namespaced resources: the same as deploy/cluster-role.yaml (HelmChartIT holds them equal;
RbacMatchesCodeIT holds those to what the operator does). Granted by the ClusterRole when every namespace is
watched, by one Role per namespace in watchNamespaces otherwise.
*/}}
{{- define "sshtunnel.namespacedRules" }}
  # Watch tunnels and write their status; never a tenant's spec.
  # patch: the finalizer that removes a tunnel's objects in a bastion's namespace (no owner reference crosses).
  # create, patch, delete: the tunnel generated for a LoadBalancer Service of class sshtunnel.dev/ssh (server-side
  # apply; the admission policy holds these writes to generated tunnels).
  - apiGroups: ["sshtunnel.dev"]
    resources: ["sshtunnels"]
    verbs: ["list", "watch", "create", "patch", "delete"]
  - apiGroups: ["sshtunnel.dev"]
    resources: ["sshtunnels/status"]
    verbs: ["update"]
  # Bastions: read; their status (Ready, the port ledger) is the operator's to write.
  - apiGroups: ["sshtunnel.dev"]
    resources: ["sshbastions"]
    verbs: ["list", "watch"]
  - apiGroups: ["sshtunnel.dev"]
    resources: ["sshbastions/status"]
    verbs: ["update"]
  # The objects each tunnel owns, written with server-side apply: a PATCH that creates the object
  # is also authorized as create. ConfigMaps are the exception: the operator SDK writes them with
  # plain create/update by default. delete (ConfigMap, Deployment): in a bastion's namespace, where no owner
  # reference removes them, when the tunnel is deleted, moves or loses its grant.
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["list", "watch", "create", "update", "delete"]
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["list", "watch", "create", "patch", "delete"]
  - apiGroups: [""]
    resources: ["services"]
    verbs: ["list", "watch", "create", "patch", "delete"]
  # LoadBalancer Services of class sshtunnel.dev/ssh: their ingress address and condition (server-side apply).
  - apiGroups: [""]
    resources: ["services/status"]
    verbs: ["patch"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["networkpolicies"]
    verbs: ["list", "watch", "create", "patch", "delete"]
  # Only while replicas > 1; deleted when the tunnel goes back to one pod.
  - apiGroups: ["policy"]
    resources: ["poddisruptionbudgets"]
    verbs: ["list", "watch", "create", "patch", "delete"]
  # Secrets: list/watch asks for metadata only (PartialObjectMetadata), so a created or rotated Secret
  # reaches the tunnels that name it; get reads the referenced Secrets by name when reconciling. RBAC
  # cannot tell a metadata-only list from a full one: see docs/security.md.
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]
  # Forwarder pods: readiness changes trigger a status refresh; their IPs are where GET /status is read;
  # patch: the sshtunnel.dev/tunnel-generation annotation that makes the kubelet refresh their ConfigMap volume
  # now (Fabric8 reads the pod before patching it: get, which list already exposes).
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  # The forwarder Deployment's ReplicaSets: which one is current, so that only its pods' host keys are
  # pinned under AcceptNew (a pod that merely carries the tunnel's labels has no say).
  - apiGroups: ["apps"]
    resources: ["replicasets"]
    verbs: ["list", "watch"]
  # A repeated transition counts up the existing event: read it, patch count and lastTimestamp.
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create", "get", "patch"]
{{- end -}}

{{/*
Rules on cluster-scoped resources, which a Role cannot grant: the last rules of deploy/cluster-role.yaml. They stay
in a small ClusterRole under watchNamespaces.
*/}}
{{- define "sshtunnel.clusterScopedRules" }}
  # Cluster-scoped kinds, last: a Role cannot grant them, so under the chart's watchNamespaces these rules
  # alone stay in a ClusterRole (HelmChartIT). A ClusterSshBastion: read it, write its status; it grants
  # namespaces by their labels.
  - apiGroups: ["sshtunnel.dev"]
    resources: ["clustersshbastions"]
    verbs: ["list", "watch"]
  - apiGroups: ["sshtunnel.dev"]
    resources: ["clustersshbastions/status"]
    verbs: ["update"]
  - apiGroups: [""]
    resources: ["namespaces"]
    verbs: ["list", "watch"]
{{- end -}}

{{/*
watchNamespaces set: the ClusterSshBastion controller still reads every tunnel (name, namespace, age, bastionRef,
forwards), read-only, so that every release computes the same port ledger and count for a ClusterSshBastion that
tunnels of several releases share (docs/operations.md, "Sharding across releases"). In the all-namespaces
ClusterRole the namespaced rules already grant it.
*/}}
{{- define "sshtunnel.allTunnelsReadRules" }}
  # Every tunnel, read-only: the ClusterSshBastion controller's ledger counts the tunnels of every release.
  - apiGroups: ["sshtunnel.dev"]
    resources: ["sshtunnels"]
    verbs: ["list", "watch"]
{{- end -}}
