{{- define "sweep.cm" -}}
{{- range $k := list "exclusions" "twoLines" "long" }}
{{ $k }}: {{ index $.Values $k | toYaml }}
{{- end }}
{{- end -}}
