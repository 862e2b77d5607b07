{{- define "exporter.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s-%d" .Release.Name .Chart.Name (.Values.port | int) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
