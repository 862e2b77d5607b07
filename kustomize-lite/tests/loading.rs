//! How resources are loaded: what counts as a kustomization and what is an ordinary
//! resource. Expected outputs were taken from `kubectl kustomize` (kustomize v5.5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

const FLUX_KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";

#[test]
fn a_flux_kustomization_listed_as_a_resource_is_rendered() {
    // Every Flux bootstrap root lists its Kustomization objects this way.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [ks.yaml]\n"),
        ("ks.yaml", FLUX_KS),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn kustomizes_own_kinds_listed_as_files_are_refused() {
    for kind in ["Kustomization", "Component"] {
        let doc =
            format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: {kind}\nresources: []\n");
        let fs: MemoryFs = [
            ("kustomization.yaml", "resources: [k.yaml]\n".to_string()),
            ("k.yaml", doc),
        ]
        .into_iter()
        .collect();
        let e = build_to_string(&fs, "").unwrap_err().to_string();
        assert!(e.contains("k.yaml"), "{e}");
    }
}
