{{- define "countyreport.labels" -}}
app.kubernetes.io/name: countyreport
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{- define "countyreport.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "countyreport.selectorLabels" -}}
app.kubernetes.io/name: countyreport
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end -}}

{{/* The storage endpoint's port: networkPolicy.storagePort, else the one in storage.endpoint, else 443 or 80. */}}
{{- define "countyreport.storagePort" -}}
{{- if .Values.networkPolicy.storagePort -}}
{{ .Values.networkPolicy.storagePort }}
{{- else if regexMatch ":[0-9]+$" .Values.storage.endpoint -}}
{{ regexFind "[0-9]+$" .Values.storage.endpoint }}
{{- else if .Values.storage.insecure -}}
80
{{- else -}}
443
{{- end -}}
{{- end -}}

{{- define "countyreport.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
