//! Template errors worded as `helm template` (v4.3.2) printed them for the same one-file
//! chart (recorded from the real tool; `Error: ` prefix and the `--debug` hint left out).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;

use helm_lite::{Chart, Map, Release};

const CASES: &[(&str, &str)] = &[
    (
        "x: {{ required \"need x\" .Values.x }}\n",
        "execution error at (er/templates/a.yaml:1:6): need x",
    ),
    (
        "x: {{ fail \"boom\" }}\n",
        "execution error at (er/templates/a.yaml:1:6): boom",
    ),
    (
        "x: {{ .Values.a.b.c }}\n",
        "er/templates/a.yaml:1:13\n  executing \"er/templates/a.yaml\" at <.Values.a.b.c>:\n    can't evaluate field b in type interface {}",
    ),
    (
        "x: {{ .Values.a \n",
        "parse error at (er/templates/a.yaml:2): unclosed action started at er/templates/a.yaml:1",
    ),
];

#[test]
fn errors_read_as_helm_prints_them() {
    for (tpl, want) in CASES {
        let mut files = BTreeMap::new();
        files.insert(
            "Chart.yaml".to_string(),
            b"apiVersion: v2\nname: er\nversion: 0.1.0\n".to_vec(),
        );
        files.insert("values.yaml".to_string(), b"a: 1\n".to_vec());
        files.insert("templates/a.yaml".to_string(), tpl.as_bytes().to_vec());
        let chart = Chart::from_files(&files).unwrap();
        let rel = Release {
            name: "rel".into(),
            namespace: "default".into(),
        };
        let err = helm_lite::helm_template(&chart, &rel, &Map::new()).unwrap_err();
        assert_eq!(err.to_string(), *want, "{tpl:?}");
    }
}

#[test]
fn hostile_templates_stop_with_an_error() {
    // Unbounded `template` recursion stops at the default depth (3,000); `include` of one
    // name within itself stops past 1,000 with Helm's words, through `tpl` too.
    for (src, want) in [
        (
            r#"{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}"#,
            "exceeded maximum template depth (3000)",
        ),
        (
            r#"{{ define "loop" }}{{ include "loop" . | indent 2 }}{{ end }}{{ include "loop" . }}"#,
            "error calling include: rendering template has a nested reference name: loop: unable to execute template",
        ),
        (
            r#"{{ define "loop" }}{{ tpl "{{ include \"loop\" . }}" . }}{{ end }}{{ include "loop" . }}"#,
            "error calling include: rendering template has a nested reference name: loop: unable to execute template",
        ),
    ] {
        let mut t = helm_lite::Template::new();
        helm_lite::sprig::add_functions(&mut t);
        t.parse("r", src).unwrap();
        let e = t.execute("r", &helm_lite::Value::Nil).unwrap_err();
        assert!(e.to_string().ends_with(want), "{src}");
    }

    let mut t = helm_lite::Template::new();
    t.limits.max_output = 1000;
    t.parse("big", "{{ range 100000 }}xxxxxxxxxx{{ end }}")
        .unwrap();
    assert!(matches!(
        t.execute("big", &helm_lite::Value::Nil),
        Err(helm_lite::Error::Limit(_))
    ));

    helm_lite::Template::new()
        .parse("ok", "{{ ((1)) }}")
        .unwrap();
    let nested = format!("{{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(helm_lite::Template::new().parse("deep", &nested).is_err());
}
