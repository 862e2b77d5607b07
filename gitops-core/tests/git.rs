//! Integration: real repositories made with the `git` CLI in temp dirs, read through gix.
#![cfg(feature = "git")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

use gitops_core::Error;
use gitops_core::automation::{AutomationOutcome, Change, run_automation};
use gitops_core::model::{GitRepositoryRef, Object, parse_objects};
use gitops_core::source::{GitBackend, GixBackend, Refs, Signature, TreeFile, resolve_ref};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A work repo with two commits on main, tags v1.0.0 and v1.1.0, a branch `dev`, and a
/// bare clone of it as the remote.
fn fixture(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let work = root.join("work");
    std::fs::create_dir_all(work.join("deploy")).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(
        work.join("deploy/app.yaml"),
        "image: nginx:1.0 # {\"$imagepolicy\": \"flux-system:web\"}\n",
    )
    .unwrap();
    std::fs::write(work.join("logo.png"), "png").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "one"]);
    git(&work, &["tag", "v1.0.0"]);
    std::fs::write(work.join("deploy/extra.yaml"), "a: 1\n").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "two"]);
    git(&work, &["tag", "-a", "v1.1.0", "-m", "annotated"]);
    git(&work, &["branch", "dev", "v1.0.0"]);
    let bare = root.join("remote.git");
    git(
        root,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    (work, bare)
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn fetch_resolve_and_read_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, bare) = fixture(tmp.path());
    let mirror = tmp.path().join("mirror");
    let refs = GixBackend.fetch(&url(&bare), &mirror).unwrap();
    let head = git(&work, &["rev-parse", "main"]);
    let first = git(&work, &["rev-parse", "v1.0.0"]);
    assert_eq!(refs["refs/heads/main"], head);
    assert_eq!(refs["refs/heads/dev"], first);
    assert_eq!(
        refs["refs/tags/v1.1.0"], head,
        "annotated tags are peeled to their commit"
    );

    let r = |b: Option<&str>, t: Option<&str>, s: Option<&str>, c: Option<&str>| GitRepositoryRef {
        branch: b.map(Into::into),
        tag: t.map(Into::into),
        semver: s.map(Into::into),
        commit: c.map(Into::into),
        name: None,
    };
    let cases = [
        (
            r(Some("main"), None, None, None),
            format!("main@sha1:{head}"),
        ),
        (
            r(Some("dev"), None, None, None),
            format!("dev@sha1:{first}"),
        ),
        (
            r(None, Some("v1.0.0"), None, None),
            format!("v1.0.0@sha1:{first}"),
        ),
        (
            r(None, None, Some("~1.0"), None),
            format!("v1.0.0@sha1:{first}"),
        ),
        (
            r(None, None, Some(">=1.0.0"), None),
            format!("v1.1.0@sha1:{head}"),
        ),
        (
            r(Some("main"), None, None, Some(&first)),
            format!("main@sha1:{first}"),
        ),
    ];
    for (reference, want) in cases {
        assert_eq!(
            resolve_ref(Some(&reference), &refs, "remote")
                .unwrap()
                .revision(),
            want,
            "{reference:?}"
        );
    }

    let files = GixBackend.read_tree(&mirror, &first).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["deploy/app.yaml", "logo.png"]);
    let files = GixBackend.read_tree(&mirror, &head).unwrap();
    assert_eq!(files.len(), 3);

    // A new commit upstream arrives with a second fetch into the same mirror.
    std::fs::write(work.join("deploy/new.yaml"), "b: 2\n").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "three"]);
    git(&work, &["push", "-q", bare.to_str().unwrap(), "main"]);
    let refs = GixBackend.fetch(&url(&bare), &mirror).unwrap();
    assert_eq!(refs["refs/heads/main"], git(&work, &["rev-parse", "main"]));
    assert!(GixBackend.read_tree(&mirror, &"0".repeat(40)).is_err());
}

const AUTOMATION: &str = r#"
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata:
  name: auto
  namespace: flux-system
spec:
  interval: 1m
  sourceRef: {kind: GitRepository, name: flux-system}
  git:
    checkout: {ref: {branch: main}}
    commit:
      author: {name: fluxbot, email: bot@example.com}
      messageTemplate: '{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}'
    push: {branch: main}
  update: {path: ./deploy, strategy: Setters}
"#;

/// A stand-in for image-policy's setters: rewrites `nginx:1.0` to `nginx:1.1` in place.
fn bump(dir: &Path) -> Result<Vec<Change>, Error> {
    let path = dir.join("app.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    if !text.contains("nginx:1.0") {
        return Ok(Vec::new());
    }
    std::fs::write(&path, text.replace("nginx:1.0", "nginx:1.1")).unwrap();
    Ok(vec![Change {
        file: "deploy/app.yaml".into(),
        old_value: "nginx:1.0".into(),
        new_value: "nginx:1.1".into(),
        setter: "flux-system:web".into(),
        ..Change::default()
    }])
}

fn automation() -> gitops_core::model::ImageUpdateAutomation {
    match parse_objects(AUTOMATION, "auto.yaml").unwrap().remove(0) {
        Object::ImageUpdateAutomation(a) => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn automation_commits_and_pushes_to_a_bare_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let (_work, bare) = fixture(tmp.path());
    let a = automation();
    let out = run_automation(
        &a,
        &url(&bare),
        "main",
        &tmp.path().join("wt1"),
        &GixBackend,
        &mut bump,
    )
    .unwrap();
    let AutomationOutcome::Pushed {
        commit, refspec, ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(refspec, "HEAD:refs/heads/main");
    assert_eq!(git(&bare, &["rev-parse", "main"]), commit);
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%an <%ae>%n%B", "main"]),
        "fluxbot <bot@example.com>\nnginx:1.0 -> nginx:1.1"
    );
    assert!(git(&bare, &["show", "main:deploy/app.yaml"]).contains("nginx:1.1"));
    // Nothing left to change: no commit.
    let again = run_automation(
        &a,
        &url(&bare),
        "main",
        &tmp.path().join("wt2"),
        &GixBackend,
        &mut bump,
    )
    .unwrap();
    assert_eq!(again, AutomationOutcome::NoChange);
    assert_eq!(git(&bare, &["rev-parse", "main"]), commit);
}

/// Delegates to gix but refuses every push.
struct PushFails;

impl GitBackend for PushFails {
    fn fetch(&self, url: &str, mirror: &Path) -> Result<Refs, Error> {
        GixBackend.fetch(url, mirror)
    }
    fn read_tree(&self, mirror: &Path, commit: &str) -> Result<Vec<TreeFile>, Error> {
        GixBackend.read_tree(mirror, commit)
    }
    fn checkout(&self, url: &str, branch: &str, workdir: &Path) -> Result<String, Error> {
        GixBackend.checkout(url, branch, workdir)
    }
    fn commit_all(
        &self,
        workdir: &Path,
        message: &str,
        author: &Signature,
    ) -> Result<Option<String>, Error> {
        GixBackend.commit_all(workdir, message, author)
    }
    fn push(&self, _workdir: &Path, _refspec: &str) -> Result<(), Error> {
        Err(Error::Git {
            op: "push",
            repo: "remote".into(),
            message: "injected: connection reset".into(),
        })
    }
}

#[test]
fn failed_push_keeps_the_local_commit_and_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (_work, bare) = fixture(tmp.path());
    let before = git(&bare, &["rev-parse", "main"]);
    let wt = tmp.path().join("wt");
    let err = run_automation(
        &automation(),
        &url(&bare),
        "main",
        &wt,
        &PushFails,
        &mut bump,
    )
    .unwrap_err()
    .to_string();
    let local = git(&wt, &["rev-parse", "HEAD"]);
    assert_ne!(local, before);
    assert!(
        err.contains(&local) && err.contains("not pushed") && err.contains("injected"),
        "{err}"
    );
    assert_eq!(
        git(&bare, &["rev-parse", "main"]),
        before,
        "remote untouched"
    );
}

const POLICY: &str = r#"
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: web
  namespace: flux-system
spec:
  imageRepositoryRef: {name: web}
  policy:
    semver: {range: ">=1.0.0 <2"}
"#;

#[test]
fn automation_with_image_policy_setters() {
    use gitops_core::automation::{latest_image, run_automation_with_policies, setter_key};
    let tmp = tempfile::tempdir().unwrap();
    let (_work, bare) = fixture(tmp.path());
    let Object::ImagePolicy(policy) = parse_objects(POLICY, "policy.yaml").unwrap().remove(0)
    else {
        panic!()
    };
    let repo = image_policy::ImageRef::parse("nginx").unwrap();
    let tags: Vec<String> = ["1.0", "1.2.0", "1.10.1", "2.0.0", "latest"]
        .map(String::from)
        .to_vec();
    let image = latest_image(&policy, &repo, &tags).unwrap().unwrap();
    assert_eq!(image.to_string(), "nginx:1.10.1");
    let policies = std::collections::BTreeMap::from([(setter_key(&policy), image)]);
    let mut a = automation();
    a.spec.git.commit.message_template = Some(
        "{{#each Changed.FileChanges}}{{@key}}:{{#each this}} {{Kind}}{{#each Changes}} {{OldValue}} -> {{NewValue}}{{/each}}{{/each}}\n{{/each}}"
            .into(),
    );
    let out = run_automation_with_policies(
        &a,
        &url(&bare),
        "main",
        &tmp.path().join("wt"),
        &GixBackend,
        &policies,
    )
    .unwrap();
    let AutomationOutcome::Pushed { changes, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(changes[0].file, "deploy/app.yaml");
    assert_eq!(changes[0].new_value, "nginx:1.10.1");
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%B", "main"]),
        "deploy/app.yaml:  nginx:1.0 -> nginx:1.10.1",
        "the file is no Kubernetes object, so its Kind is empty"
    );
    let again = run_automation_with_policies(
        &a,
        &url(&bare),
        "main",
        &tmp.path().join("wt2"),
        &GixBackend,
        &policies,
    )
    .unwrap();
    assert_eq!(again, AutomationOutcome::NoChange);
}

/// A cluster whose Kustomizations use another GitRepository: fetched once through gix from
/// a bare remote, built from that repository, not from the local tree.
#[test]
fn bootstrap_fetches_other_git_repositories_once() {
    use gitops_core::bootstrap::{BootstrapOptions, Cluster, GitSources, reconcile_cluster_with};
    use gitops_core::model::parse_objects;
    use gitops_core::object::ResId;
    use gitops_core::reconcile::{DirRenderer, Source, StatusHealth};
    use gitops_core::store::{ClusterStore, MemoryStore};

    let tmp = tempfile::tempdir().unwrap();
    // The other repository: one ConfigMap under apps/.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(other.join("apps")).unwrap();
    git(&other, &["init", "-q"]);
    std::fs::write(
        other.join("apps/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-other, namespace: default}\ndata: {k: v}\n",
    )
    .unwrap();
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-qm", "one"]);
    let bare = tmp.path().join("other.git");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--bare",
            other.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    // The fleet repository (local tree): the cluster lists the other source and two
    // Kustomizations of it; its own apps/ holds something else.
    let fleet = tmp.path().join("fleet");
    let k = |name: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\nspec: {{interval: 10m, path: ./apps, prune: true, sourceRef: {{kind: GitRepository, name: other}}}}\n"
        )
    };
    let cluster = format!(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: other, namespace: flux-system}}\nspec: {{interval: 1m, url: '{}', ref: {{branch: main}}}}\n---\n{}---\n{}",
        url(&bare),
        k("one"),
        k("two")
    );
    std::fs::create_dir_all(fleet.join("clusters/prod")).unwrap();
    std::fs::create_dir_all(fleet.join("apps")).unwrap();
    std::fs::write(fleet.join("clusters/prod/sources.yaml"), &cluster).unwrap();
    std::fs::write(
        fleet.join("apps/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local-only, namespace: default}\n",
    )
    .unwrap();
    let tree = parse_objects(&cluster, "sources.yaml").unwrap();
    let source = Source {
        root: fleet.clone(),
        revision: "directory".into(),
    };
    let mut store = MemoryStore::new();
    let mut git_sources = GitSources::new(&GixBackend, tmp.path().join("cache"));
    let c = Cluster {
        tree: &tree,
        cluster_path: "clusters/prod",
        source: &source,
    };
    let r = reconcile_cluster_with(
        &c,
        &mut git_sources,
        &DirRenderer,
        &mut store,
        &StatusHealth,
        BootstrapOptions::default(),
    )
    .unwrap();
    for key in ["flux-system/one", "flux-system/two"] {
        let res = r.results.iter().find(|x| x.key == key).unwrap();
        assert!(res.ready(), "{key}: {res:?}");
        assert!(
            res.ready_condition()
                .unwrap()
                .message
                .contains("main@sha1:"),
            "{res:?}"
        );
    }
    assert_eq!(
        git_sources.fetches, 1,
        "one fetch for two Kustomizations of one source"
    );
    let cm = |n: &str| {
        store
            .get(&ResId::new("", "ConfigMap", "default", n))
            .unwrap()
    };
    assert!(cm("from-other").is_some());
    assert!(
        cm("local-only").is_none(),
        "the other source's path was read from the local tree"
    );
}
