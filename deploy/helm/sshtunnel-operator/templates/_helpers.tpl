{{/* The image the operator runs, and the default image of forwarder pods. */}}
{{- define "sshtunnel.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "sshtunnel.labels" -}}
app.kubernetes.io/name: {{ .Release.Name }}
app.kubernetes.io/part-of: sshtunnel-operator
{{- end -}}
