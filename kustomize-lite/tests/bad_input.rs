//! Bad input: every case fails with a located message (or, for targeted patches that
//! match nothing, builds), and nothing panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kustomize_lite::{MemoryFs, build};

const DEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";

fn fs(files: &[(&str, &str)]) -> MemoryFs {
    files
        .iter()
        .map(|(p, c)| (*p, c.as_bytes().to_vec()))
        .collect()
}

fn err(files: &[(&str, &str)], dir: &str) -> String {
    match build(&fs(files), dir) {
        Ok(objs) => panic!("expected an error, built {objs:?}"),
        Err(e) => e.to_string(),
    }
}

/// (case name, files, directory to build, substrings the error must hold)
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a [&'a str]);

#[test]
fn error_table() {
    let cases: &[Case<'_>] = &[
        (
            "missing file",
            &[("k/kustomization.yaml", "resources:\n- gone.yaml\n")],
            "k",
            &["accumulating resources", "k/gone.yaml"],
        ),
        (
            "no kustomization",
            &[("k/x.yaml", DEP)],
            "k",
            &["unable to find one of 'kustomization.yaml'", "'k'"],
        ),
        (
            "cycle",
            &[
                ("a/kustomization.yaml", "resources:\n- ../b\n"),
                ("b/kustomization.yaml", "resources:\n- ../a\n"),
            ],
            "a",
            &["cycle detected", "'a'"],
        ),
        (
            "untargeted patch without target object",
            &[
                (
                    "k/kustomization.yaml",
                    "resources:\n- d.yaml\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: other\n",
                ),
                ("k/d.yaml", DEP),
            ],
            "k",
            &[
                "no matches for Id Deployment.v1.apps/other.[noNs]",
                "k/kustomization.yaml",
            ],
        ),
        (
            "unknown field",
            &[("k/kustomization.yaml", "resources: []\nnamePrefx: a-\n")],
            "k",
            &["k/kustomization.yaml", "namePrefx"],
        ),
        (
            "malformed yaml",
            &[
                ("k/kustomization.yaml", "resources:\n- d.yaml\n"),
                ("k/d.yaml", "a: [1, 2\nb: c\n"),
            ],
            "k",
            &["k/d.yaml:2:2"],
        ),
        (
            "duplicate ids",
            &[
                ("k/kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n"),
                ("k/a.yaml", DEP),
                ("k/b.yaml", DEP),
            ],
            "k",
            &[
                "already registered id: Deployment.v1.apps/web.[noNs]",
                "k/a.yaml",
                "k/b.yaml",
            ],
        ),
        (
            "remote",
            &[(
                "k/kustomization.yaml",
                "resources:\n- https://github.com/org/repo//base?ref=v1\n",
            )],
            "k",
            &["remote resources are not supported: https://github.com/org/repo//base?ref=v1"],
        ),
        (
            "outside the root",
            &[
                ("app/k/kustomization.yaml", "resources:\n- ../secret.yaml\n"),
                ("app/secret.yaml", DEP),
            ],
            "app/k",
            &["security; file 'app/secret.yaml' is not in or below 'app/k'"],
        ),
        (
            "patch outside the root",
            &[(
                "k/kustomization.yaml",
                "patches:\n- path: ../../../etc/passwd\n",
            )],
            "k",
            &["etc/passwd"],
        ),
        (
            "component as resource",
            &[
                ("k/kustomization.yaml", "resources:\n- c\n"),
                (
                    "k/c/kustomization.yaml",
                    "kind: Component\nnamePrefix: c-\n",
                ),
            ],
            "k",
            &["expected kind != 'Component'"],
        ),
        (
            "generator collision",
            &[(
                "k/kustomization.yaml",
                "configMapGenerator:\n- name: a\n  literals: [x=1]\n- name: a\n  literals: [x=2]\n",
            )],
            "k",
            &["behavior must be merge or replace"],
        ),
        (
            "bad literal",
            &[(
                "k/kustomization.yaml",
                "configMapGenerator:\n- name: a\n  literals: [novalue]\n",
            )],
            "k",
            &[
                "k/kustomization.yaml",
                "configMapGenerator",
                "expected key=value",
            ],
        ),
        (
            // kustomize: Invalid Input: namespace is blank for resource
            // "RoleBinding.v1.rbac.authorization.k8s.io/test.[noNs]"
            "blank subject namespace",
            &[
                ("k/kustomization.yaml", "resources:\n- rb.yaml\n"),
                (
                    "k/rb.yaml",
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: test\nsubjects:\n- kind: ServiceAccount\n  name: test\n  namespace:\nroleRef:\n  kind: Role\n  name: test\n  apiGroup: rbac.authorization.k8s.io\n",
                ),
            ],
            "k",
            &[
                "Invalid Input: namespace is blank for resource",
                "RoleBinding.v1.rbac.authorization.k8s.io/test.[noNs]",
            ],
        ),
        (
            // kustomize: "kustomization.yaml is empty" (nothing but apiVersion and kind).
            "empty kustomization",
            &[(
                "k/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            )],
            "k",
            &["k/kustomization.yaml", "kustomization.yaml is empty"],
        ),
        (
            "replicas without target",
            &[(
                "k/kustomization.yaml",
                "replicas:\n- name: nope\n  count: 2\n",
            )],
            "k",
            &["replicas", "nope"],
        ),
    ];
    for (name, files, dir, wants) in cases {
        let msg = err(files, dir);
        for want in *wants {
            assert!(msg.contains(want), "{name}: {msg:?} lacks {want:?}");
        }
    }
}

#[test]
fn targeted_patch_matching_nothing_is_ignored() {
    let files = [
        (
            "k/kustomization.yaml",
            "resources:\n- d.yaml\npatches:\n- target:\n    name: nothing\n  patch: |-\n    - op: add\n      path: /x\n      value: 1\n",
        ),
        ("k/d.yaml", DEP),
    ];
    let objs = build(&fs(&files), "k").unwrap();
    assert_eq!(objs.len(), 1);
    assert!(objs[0].get("x").is_none());
}

#[test]
fn alias_bomb_and_deep_nesting_are_bounded() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  {}",
        bomb.replace('\n', "\n  ")
    );
    let files = [
        ("k/kustomization.yaml", "resources:\n- b.yaml\n"),
        ("k/b.yaml", doc.as_str()),
    ];
    let msg = err(&files, "k");
    assert!(msg.contains("k/b.yaml"), "{msg}");

    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let files = [
        ("k/kustomization.yaml", "resources:\n- d.yaml\n"),
        ("k/d.yaml", deep.as_str()),
    ];
    let msg = err(&files, "k");
    assert!(msg.contains("k/d.yaml"), "{msg}");
}
