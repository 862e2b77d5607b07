{{- define "shared.count" -}}
{{- if lt (int .n) (int .max) -}}
{{- include "shared.count" (dict "n" (add1 .n) "max" .max) -}}
{{- else -}}
{{- .n -}}
{{- end -}}
{{- end -}}
{{- define "shared.mark" -}}
{{- $_ := set .Values.cfg "marked" "by-include" -}}
{{- end -}}
