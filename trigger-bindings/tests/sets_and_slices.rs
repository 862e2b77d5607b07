//! CEL's `sets` extension (cel-go `ext.Sets`, which Tekton's CEL environment loads) and
//! JSONPath slices in bindings (k8s.io/client-go's jsonpath, which Tekton binds with).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use trigger_bindings::{Event, Headers, Listener, MemorySecretStore, Outcome};

fn listener(filter: &str, binding: &str) -> Listener {
    let yaml = format!(
        r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {{name: el}}
spec:
  triggers:
    - name: t
      interceptors:
        - ref: {{name: cel}}
          params: [{{name: filter, value: {filter:?}}}]
      bindings: [{{name: v, value: {binding:?}}}]
"#
    );
    Listener::from_yaml("el.yaml", &yaml, MemorySecretStore::new()).unwrap()
}

const BODY: &str = r#"{"labels":["bug","ci","docs"],"nums":[1,2,3,4,5],"a":{"b":[10,20,30]}}"#;

fn outcome(filter: &str, binding: &str) -> Outcome {
    let l = listener(filter, binding);
    l.process(&Event::new(Headers::new(), BODY.as_bytes().to_vec()))
        .triggers[0]
        .outcome
        .clone()
}

#[test]
fn sets_functions_follow_cel_go() {
    let cases = [
        ("sets.contains(body.labels, ['ci'])", true),
        ("sets.contains(body.labels, ['ci', 'bug'])", true),
        ("sets.contains(body.labels, ['ci', 'wip'])", false),
        ("sets.contains(body.labels, [])", true),
        ("sets.contains([], ['x'])", false),
        // CEL equality across numeric types.
        ("sets.contains([1, 2.0, 3u], [1u, 2, 3.0])", true),
        ("sets.equivalent(['a', 'b', 'b'], ['b', 'a'])", true),
        ("sets.equivalent(['a'], ['a', 'c'])", false),
        ("sets.intersects(body.labels, ['wip', 'docs'])", true),
        ("sets.intersects(body.labels, ['wip'])", false),
        ("sets.intersects([], [])", false),
    ];
    for (filter, want) in cases {
        let got = outcome(filter, "x");
        assert_eq!(
            matches!(got, Outcome::Accepted { .. }),
            want,
            "{filter}: {got:?}"
        );
    }
}

fn bound(binding: &str) -> Result<String, String> {
    match outcome("true", binding) {
        Outcome::Accepted { params, .. } => Ok(params["v"].clone()),
        Outcome::Rejected { reason } => Err(reason),
    }
}

#[test]
fn slices_follow_client_go_jsonpath() {
    let cases = [
        ("$(body.nums[1:3])", "[2,3]"),
        ("$(body.nums[-1:])", "5"),
        ("$(body.nums[:2])", "[1,2]"),
        ("$(body.nums[::2])", "[1,3,5]"),
        ("$(body.nums[1::3])", "[2,5]"),
        ("$(body.nums[:])", "[1,2,3,4,5]"),
        ("$(body.a.b[-2:])", "[20,30]"),
        ("$(body.labels[0:1])", "bug"),
        // Asking for nothing gives no results, even out of range: Tekton prints `[]`.
        ("$(body.nums[7:7])", "[]"),
    ];
    for (binding, want) in cases {
        assert_eq!(bound(binding).as_deref(), Ok(want), "{binding}");
    }
}

#[test]
fn bad_slices_are_errors_with_client_go_words() {
    let cases = [
        (
            "$(body.nums[2:9])",
            "array index out of bounds: index 8, length 5",
        ),
        (
            "$(body.nums[6:])",
            "array index out of bounds: index 6, length 5",
        ),
        (
            "$(body.nums[3:1])",
            "starting index 3 is greater than ending index 1",
        ),
        ("$(body.nums[::0])", "step must be > 0"),
        ("$(body.a[0:1])", "is not array or slice"),
        ("$(body.nums[1:x])", "invalid array index 1:x"),
    ];
    for (binding, want) in cases {
        let got = bound(binding);
        assert!(
            got.as_ref().is_err_and(|e| e.contains(want)),
            "{binding}: {got:?}"
        );
    }
}
