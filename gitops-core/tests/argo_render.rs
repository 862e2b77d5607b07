//! Argo CD sources rendered as the repo-server renders them, checked against the real tools
//! (`kubectl kustomize`, `helm template`) on cases of our own under `tests/data/argo/`, and,
//! when `ARGOCD_EXAMPLE_APPS` names a checkout of argoproj/argocd-example-apps, on every
//! Application its `apps` chart declares.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use gitops_core::argo::source::{Repos, render_sources};
use gitops_core::model::{Application, Object, parse_objects};
use serde_json::Value;

fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join("go/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn need(name: &str) -> Option<PathBuf> {
    let t = tool(name);
    if t.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not on PATH but CI is set: this differential test needs it");
        }
        eprintln!("notice: {name} not on PATH; skipping this differential test");
    }
    t
}

fn run(cmd: &mut Command) -> Vec<Value> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    kustomize_lite::yaml::parse_stream(&text, "oracle")
        .unwrap()
        .into_iter()
        .filter(Value::is_object)
        .collect()
}

fn apps(text: &str) -> Vec<Application> {
    parse_objects(text, "apps")
        .unwrap()
        .into_iter()
        .filter_map(|o| match o {
            Object::Application(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn plain_manifests(dir: &Path) -> Vec<Value> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let text = std::fs::read_to_string(dir.join(&n)).unwrap();
        out.extend(
            kustomize_lite::yaml::parse_stream(&text, &n)
                .unwrap()
                .into_iter()
                .filter(Value::is_object),
        );
    }
    out
}

/// What Argo would render for `app`, from the real tools.
fn oracle(app: &Application, root: &Path) -> Vec<Value> {
    let src = &app.spec.source;
    let dir = root.join(&src.path);
    if dir.join("kustomization.yaml").is_file() {
        return run(Command::new(need("kubectl").unwrap())
            .arg("kustomize")
            .arg(&dir));
    }
    if dir.join("Chart.yaml").is_file() {
        let h = src.helm.clone().unwrap_or_default();
        let release = if h.release_name.is_empty() {
            app.metadata.name.clone()
        } else {
            h.release_name
        };
        let mut cmd = Command::new(need("helm").unwrap());
        cmd.arg("template")
            .arg(&release)
            .arg(&dir)
            .arg("--include-crds");
        if !app.spec.destination.namespace.is_empty() {
            cmd.arg("--namespace").arg(&app.spec.destination.namespace);
        }
        for v in &h.value_files {
            cmd.arg("--values").arg(dir.join(v));
        }
        return run(&mut cmd);
    }
    plain_manifests(&dir)
}

#[test]
fn argocd_example_apps_render_as_argo_renders_them() {
    let Some(root) = std::env::var_os("ARGOCD_EXAMPLE_APPS").map(PathBuf::from) else {
        eprintln!(
            "notice: ARGOCD_EXAMPLE_APPS is not set (a checkout of argoproj/argocd-example-apps); skipping"
        );
        return;
    };
    if need("helm").is_none() || need("kubectl").is_none() {
        return;
    }
    let repos = Repos::disk(&root).unwrap();
    // The app of apps is itself a Helm source.
    let app_of_apps = &apps(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: apps\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/argoproj/argocd-example-apps\n    path: apps\n  destination:\n    namespace: argocd\n",
    )[0];
    let rendered = render_sources(app_of_apps, &repos).unwrap();
    assert_eq!(rendered, oracle(app_of_apps, &root));
    let text = kustomize_lite::yaml::emit_stream(&rendered);
    let children = apps(&text);
    assert_eq!(children.len(), 14);
    let (mut same, mut refused) = (1, Vec::new());
    for app in &children {
        match render_sources(app, &repos) {
            Ok(objs) => {
                assert_eq!(objs, oracle(app, &root), "{}", app.metadata.name);
                same += 1;
            }
            Err(e) => refused.push(format!("{}: {e}", app.metadata.name)),
        }
    }
    eprintln!("{same} apps render as Argo does; refused: {refused:#?}");
    // 9 = the app of apps + guestbook, blue-green, helm-guestbook, helm-hooks,
    // kustomize-guestbook, pre-post-sync, sock-shop, sync-waves. Refused, each with its
    // reason: 2 jsonnet, 3 plugins, helm-dependency (its chart dependency is not vendored).
    assert_eq!((same, refused.len()), (9, 6), "refused: {refused:#?}");
}
