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

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

/// A tree on disk (`base/`, `shared/`, `overlays/prod/`) and the disk as the file system, as
/// `kustomize build` sees it: returns the temp dir and the overlay's path from the disk root.
fn disk_tree(overlay: &str) -> (tempfile::TempDir, kustomize_lite::DiskFs, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
        ("base/deployment.yaml", DEPLOYMENT),
        (
            "shared/replicas.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
        ),
        ("overlays/prod/kustomization.yaml", overlay),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let top = root.ancestors().last().unwrap().to_path_buf();
    let rel = root
        .join("overlays/prod")
        .strip_prefix(&top)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (dir, kustomize_lite::DiskFs::new(top).unwrap(), rel)
}

#[test]
fn an_overlay_reaches_its_base_anywhere_on_disk() {
    // `cd overlays/prod && kustomize build .` with `resources: [../../base]`.
    let (_dir, fs, overlay) = disk_tree("resources:\n- ../../base\nnamePrefix: prod-\n");
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - image: nginx:1.25\n        name: web\n";
    assert_eq!(build_to_string(&fs, &overlay).unwrap(), want);
}

#[test]
fn a_patch_outside_the_kustomization_obeys_the_load_restrictor() {
    use kustomize_lite::{LoadRestrictions, Options, build_with, yaml::emit_stream};
    let (_dir, fs, overlay) = disk_tree(
        "resources:\n- ../../base\nnamePrefix: prod-\npatches:\n- path: ../../shared/replicas.yaml\n",
    );
    // kustomize: "security; file '/tmp/.../shared/replicas.yaml' is not in or below
    // '/tmp/.../overlays/prod'".
    let e = build_to_string(&fs, &overlay).unwrap_err().to_string();
    assert!(e.contains("is not in or below"), "{e}");
    assert!(e.contains("shared/replicas.yaml"), "{e}");
    let opts = Options {
        load_restrictions: LoadRestrictions::None,
        ..Options::default()
    };
    let got = emit_stream(&build_with(&fs, &overlay, opts).unwrap());
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - image: nginx:1.25\n        name: web\n";
    assert_eq!(got, want);
}
