{{- define "lessons.labels" -}}
{{- $default := dict "app.kubernetes.io/name" .Chart.Name -}}
{{- with .Chart.AppVersion -}}
{{- $_ := set $default "app.kubernetes.io/version" . -}}
{{- end -}}
{{- $merged := merge (dict "custom" "yes") $default -}}
{{- toYaml $merged -}}
{{- end -}}
{{- define "lessons.stream" -}}
data:
  a: "1"
---
data:
  b: "2"
{{- end -}}
