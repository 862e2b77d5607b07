//! Remote resolution through the `Resolver` adapter. Expected shapes from Tekton:
//! `pkg/resolution/resolver/{cluster,bundle,git,http,hub}` (params, messages, annotations,
//! `refSource`), `pkg/reconciler/pipelinerun` (`CouldntGetTask`, "can't be Run; it contains
//! Tasks that don't exist: Couldn't retrieve Task ..."), the bundle contract of
//! `docs/tekton-bundle-contracts.md` (one object per layer, `dev.tekton.image.*`
//! annotations, at most 20 layers).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pipeline_core::resolve::{
    GitFetch, GitFile, GitRequest, GitResolver, HttpFetch, HttpRequest, HttpResolver, HubFetch,
    HubRequest, HubResolver, MemoryResolver, OciLayoutBundles, RefKind, ResolutionRequest,
    ResolvedResource, Resolver, Resolvers,
};
use pipeline_core::{
    Error, LogSink, Param, ParamValue, PipelineRunState, RunContext, RunInfo, Runner,
    TaskExecution, TaskExecutor, TaskJob, TaskState, load,
};

const TASK: &str = r#"apiVersion: tekton.dev/v1
kind: Task
metadata: {name: echo}
spec:
  params: [{name: msg, default: hi}]
  results: [{name: out}]
  steps: [{name: say, image: alpine, script: echo $(params.msg)}]
"#;

fn p(name: &str, v: &str) -> Param {
    Param {
        name: name.into(),
        value: ParamValue::String(v.into()),
    }
}

fn req(resolver: &str, params: &[(&str, &str)]) -> ResolutionRequest {
    ResolutionRequest {
        resolver: resolver.into(),
        kind: RefKind::Task,
        namespace: "ci".into(),
        params: params.iter().map(|(k, v)| p(k, v)).collect(),
    }
}

/// A resolver that counts its calls and always returns `TASK`.
#[derive(Default)]
struct Counting(AtomicUsize);

impl Resolver for Counting {
    fn resolve(&self, _: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(ResolvedResource {
            data: TASK.as_bytes().to_vec(),
            ..Default::default()
        })
    }
}

struct Ok_;

impl TaskExecutor for Ok_ {
    fn execute(&self, job: &TaskJob, _: &dyn LogSink) -> TaskExecution {
        let mut results = BTreeMap::new();
        results.insert(
            "out".to_string(),
            ParamValue::String(format!("{} steps", job.task.steps.len())),
        );
        TaskExecution {
            outcome: pipeline_core::ExecOutcome::Succeeded,
            results,
        }
    }
}

fn run_with(pipeline: &str, resolvers: &Resolvers) -> pipeline_core::PipelineRunOutcome {
    let r = load("p.yaml", pipeline).unwrap();
    let spec = &r.pipelines[0].spec;
    let state = PipelineRunState::new(spec, RunContext::named("run-1", "p")).unwrap();
    let catalogue: BTreeMap<String, pipeline_core::TaskSpec> = BTreeMap::new();
    let info = RunInfo {
        name: "run-1".into(),
        namespace: "ci".into(),
        pipeline: "p".into(),
        ..Default::default()
    };
    Runner::new(&Ok_, &catalogue)
        .resolvers(resolvers)
        .run(state, info)
        .unwrap()
}

#[test]
fn two_hundred_references_to_one_bundle_resolve_once() {
    let mut yaml = String::from(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  params: [{name: tag, default: v1}]\n  tasks:\n",
    );
    for i in 0..200 {
        yaml.push_str(&format!(
            "  - name: t{i}\n    taskRef:\n      resolver: bundles\n      params:\n      - {{name: bundle, value: reg.example/tasks:$(params.tag)}}\n      - {{name: name, value: echo}}\n      - {{name: kind, value: task}}\n"
        ));
    }
    let counter = Arc::new(Counting::default());
    let resolvers = Resolvers::new().with("bundles", counter.clone());
    let out = run_with(&yaml, &resolvers);
    assert_eq!(out.condition.reason, "Succeeded", "{:?}", out.condition);
    assert_eq!(out.tasks.len(), 200);
    assert!(out.tasks.iter().all(|t| t.state == TaskState::Succeeded));
    assert_eq!(
        out.tasks[7].results["out"],
        ParamValue::String("1 steps".into())
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    assert_eq!(resolvers.calls(), 1);
}

#[test]
fn a_failed_resolution_fails_the_run_couldnt_get_task_naming_resolver_and_params() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - {name: first, taskRef: {name: echo}}
  - name: remote
    taskRef:
      resolver: cluster
      params: [{name: kind, value: task}, {name: name, value: nope}, {name: namespace, value: ci}]
"#;
    let r = load("t.yaml", TASK).unwrap();
    let resolvers = Resolvers::new().with("cluster", MemoryResolver::from_resources(&r, "ci"));
    let out = run_with(yaml, &resolvers);
    assert_eq!(out.condition.reason, "CouldntGetTask");
    let m = &out.condition.message;
    assert!(
        m.starts_with("Pipeline ci/p can't be Run; it contains Tasks that don't exist: Couldn't retrieve Task \"resolver type cluster\\nname = nope\\n\": "),
        "{m}"
    );
    assert!(
        m.contains("resolver \"cluster\" (kind=task, name=nope, namespace=ci)"),
        "{m}"
    );
    // Resolved before anything started: no task ran.
    assert!(
        out.tasks.iter().all(|t| t.state != TaskState::Succeeded),
        "{:?}",
        out.tasks
    );
}

#[test]
fn an_unknown_resolver_is_a_couldnt_get_task() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - {name: a, taskRef: {name: x, resolver: hub, params: [{name: name, value: x}]}}\n";
    let out = run_with(yaml, &Resolvers::new());
    assert_eq!(out.condition.reason, "CouldntGetTask");
    assert!(
        out.condition.message.contains("no resolver \"hub\""),
        "{}",
        out.condition.message
    );
    assert!(
        out.condition
            .message
            .contains("Couldn't retrieve Task \"x\"")
    );
}

#[test]
fn cluster_resolver_params_annotations_and_ref_source() {
    let r = load("t.yaml", TASK).unwrap();
    let cluster = MemoryResolver::from_resources(&r, "ci");
    let got = cluster
        .resolve(&req(
            "cluster",
            &[("kind", "task"), ("name", "echo"), ("namespace", "ci")],
        ))
        .unwrap();
    assert_eq!(got.annotations["resolution.tekton.dev/name"], "echo");
    assert_eq!(got.annotations["resolution.tekton.dev/namespace"], "ci");
    let src = got.ref_source.unwrap();
    assert_eq!(src.uri, "/apis/tekton.dev/v1/namespaces/ci/task/echo@");
    assert_eq!(src.digest["sha256"].len(), 64);
    // The namespace defaults to the run's; the kind to the reference's.
    assert!(
        cluster
            .resolve(&req("cluster", &[("name", "echo")]))
            .is_ok()
    );
    let e = cluster
        .resolve(&req("cluster", &[("kind", "tasks"), ("name", "echo")]))
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("unknown or unsupported resource kind 'tasks'"),
        "{e}"
    );
    let e = cluster
        .resolve(&req("cluster", &[("kind", "task")]))
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("missing required cluster resolver params: name"),
        "{e}"
    );
    // A Pipeline under a taskRef is refused by the parser side.
    let resolvers = Resolvers::new().with("cluster", cluster);
    let e = resolvers
        .pipeline(&ResolutionRequest {
            kind: RefKind::Pipeline,
            ..req("cluster", &[("kind", "task"), ("name", "echo")])
        })
        .unwrap_err();
    assert!(e.to_string().contains("want one Pipeline"), "{e}");
}

/// One ustar entry (header with checksum, data, padding), as `tar` writes it.
fn tar_one(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    let size = format!("{:011o}\0", data.len());
    h[124..136].copy_from_slice(size.as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

fn blob(dir: &std::path::Path, data: &[u8], hex: &str) -> String {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("blobs/sha256").join(hex), data).unwrap();
    format!("sha256:{hex}")
}

/// An OCI layout with one bundle `reg.example/tasks:v1`: a tar layer holding `TASK` and a
/// raw layer holding a Pipeline.
fn layout(dir: &std::path::Path, kind_annotation: &str) {
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let l1 = blob(dir, &tar_one("echo", TASK.as_bytes()), &"a".repeat(64));
    let pipe = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: build}\nspec:\n  tasks: [{name: a, taskRef: {name: echo}}]\n";
    let l2 = blob(dir, pipe.as_bytes(), &"b".repeat(64));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:".to_string() + &"c".repeat(64), "size": 2},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l1, "size": 1,
             "annotations": {"dev.tekton.image.kind": kind_annotation, "dev.tekton.image.name": "echo", "dev.tekton.image.apiVersion": "v1"}},
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l2, "size": 1,
             "annotations": {"dev.tekton.image.kind": "pipeline", "dev.tekton.image.name": "build", "dev.tekton.image.apiVersion": "v1"}}
        ]
    });
    let m = blob(dir, manifest.to_string().as_bytes(), &"d".repeat(64));
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m, "size": 1,
         "annotations": {"org.opencontainers.image.ref.name": "v1"}}
    ]});
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
}

#[test]
fn bundles_from_an_oci_layout() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path(), "task");
    let bundles = OciLayoutBundles::new(tmp.path());
    let got = bundles
        .resolve(&req(
            "bundles",
            &[
                ("bundle", "reg.example/tasks:v1"),
                ("name", "echo"),
                ("kind", "task"),
            ],
        ))
        .unwrap();
    assert_eq!(got.data, TASK.as_bytes());
    assert_eq!(
        got.annotations["resolution.tekton.dev/dev.tekton.image.kind"],
        "task"
    );
    assert_eq!(
        got.annotations["resolution.tekton.dev/dev.tekton.image.name"],
        "echo"
    );
    assert_eq!(
        got.annotations["resolution.tekton.dev/dev.tekton.image.apiVersion"],
        "v1"
    );
    let src = got.ref_source.unwrap();
    assert_eq!(src.uri, "reg.example/tasks");
    assert_eq!(src.digest["sha256"], "d".repeat(64));
    assert_eq!(src.entry_point, "echo");

    let resolvers = Resolvers::new().with("bundles", bundles);
    let pipeline = resolvers
        .pipeline(&ResolutionRequest {
            kind: RefKind::Pipeline,
            ..req(
                "bundles",
                &[("bundle", "reg.example/tasks:v1"), ("name", "build")],
            )
        })
        .unwrap();
    assert_eq!(pipeline.name, "build");
    assert_eq!(pipeline.spec.tasks[0].name, "a");

    let e = resolvers
        .task(&req(
            "bundles",
            &[("bundle", "reg.example/tasks:v1"), ("name", "other")],
        ))
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("could not find object in image with kind: task and name: other"),
        "{e}"
    );
    let e = resolvers
        .task(&req(
            "bundles",
            &[("bundle", "reg.example/tasks:v2"), ("name", "echo")],
        ))
        .unwrap_err();
    assert!(
        e.to_string().contains("cannot retrieve the oci image"),
        "{e}"
    );
    let e = resolvers
        .task(&req("bundles", &[("name", "echo")]))
        .unwrap_err();
    assert!(
        e.to_string().ends_with("parameter \"bundle\" required"),
        "{e}"
    );
}

#[test]
fn a_bundle_layer_kind_must_be_lowercase_and_singular() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path(), "Tasks");
    let e = OciLayoutBundles::new(tmp.path())
        .resolve(&req(
            "bundles",
            &[("bundle", "reg.example/tasks:v1"), ("name", "echo")],
        ))
        .unwrap_err();
    assert!(
        e.to_string().ends_with("invalid tekton bundle reg.example/tasks:v1, error: the layer 0 the annotation dev.tekton.image.kind must be lowercased and singular, found Tasks"),
        "{e}"
    );
}

struct Repo;

impl GitFetch for Repo {
    fn fetch(&self, r: &GitRequest) -> Result<GitFile, Error> {
        if r.path_in_repo == "task/echo.yaml" && r.revision == "main" {
            Ok(GitFile {
                data: TASK.as_bytes().to_vec(),
                commit: "0123456789abcdef0123456789abcdef01234567".into(),
            })
        } else {
            Err(Error::Resolution {
                resolver: "git".into(),
                params: String::new(),
                message: format!(
                    "error opening file {:?}: file does not exist",
                    r.path_in_repo
                ),
            })
        }
    }
}

#[test]
fn git_resolver_checks_params_and_reports_the_commit() {
    let git = GitResolver::new(Repo);
    let got = git
        .resolve(&req(
            "git",
            &[
                ("url", "https://example.com/org/repo.git"),
                ("pathInRepo", "task/echo.yaml"),
            ],
        ))
        .unwrap();
    assert_eq!(
        got.annotations["resolution.tekton.dev/revision"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(
        got.annotations["resolution.tekton.dev/path"],
        "task/echo.yaml"
    );
    assert_eq!(
        got.annotations["resolution.tekton.dev/url"],
        "https://example.com/org/repo.git"
    );
    assert_eq!(
        got.annotations["resolution.tekton.dev/content-type"],
        "application/x-yaml"
    );
    let src = got.ref_source.unwrap();
    assert_eq!(src.uri, "git+https://example.com/org/repo.git");
    assert_eq!(
        src.digest["sha1"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(src.entry_point, "task/echo.yaml");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("url", "u")],
            "missing required git resolver params: pathInRepo",
        ),
        (
            &[("url", "u"), ("repo", "r"), ("pathInRepo", "x")],
            "cannot specify both 'url' and 'repo'",
        ),
        (
            &[("pathInRepo", "x")],
            "must specify one of 'url' or 'repo'",
        ),
        (
            &[("repo", "r"), ("pathInRepo", "x")],
            "'org' is required when 'repo' is specified",
        ),
        (
            &[("url", "u"), ("revision", "-x"), ("pathInRepo", "x")],
            "invalid revision \"-x\": must not begin with '-'",
        ),
        (
            &[("url", "u"), ("pathInRepo", "a/../b")],
            "invalid path \"a/../b\": must not contain '..' components",
        ),
    ];
    for (params, want) in cases {
        let e = git.resolve(&req("git", params)).unwrap_err();
        assert!(e.to_string().ends_with(want), "{params:?}: {e}");
    }
}

struct Web;

impl HttpFetch for Web {
    fn get(&self, r: &HttpRequest) -> Result<Vec<u8>, Error> {
        assert_eq!(r.url, "https://example.com/echo.yaml");
        Ok(TASK.as_bytes().to_vec())
    }
}

impl HubFetch for Web {
    fn fetch(&self, r: &HubRequest) -> Result<Vec<u8>, Error> {
        assert_eq!(
            (r.hub_type.as_str(), r.kind.as_str(), r.name.as_str()),
            ("artifact", "task", "echo")
        );
        Ok(TASK.as_bytes().to_vec())
    }
}

#[test]
fn http_and_hub_resolvers_use_the_host_client() {
    let resolvers = Resolvers::new()
        .with("http", HttpResolver(Web))
        .with("hub", HubResolver(Web));
    let t = resolvers
        .task(&req("http", &[("url", "https://example.com/echo.yaml")]))
        .unwrap();
    assert_eq!(t.name, "echo");
    assert_eq!(
        t.ref_source.as_ref().unwrap().uri,
        "https://example.com/echo.yaml"
    );
    let e = resolvers
        .task(&req("http", &[("url", "ftp://x/y")]))
        .unwrap_err();
    assert!(e.to_string().contains("is not a valid http(s) url"), "{e}");
    let t = resolvers
        .task(&req("hub", &[("name", "echo"), ("version", "0.1")]))
        .unwrap();
    assert_eq!(t.spec.steps[0].name, "say");
    let e = resolvers
        .task(&req("hub", &[("name", "echo")]))
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("missing required hub resolver params: version"),
        "{e}"
    );
}

#[test]
fn a_resolved_task_is_validated_and_strict() {
    struct Bad(&'static str);
    impl Resolver for Bad {
        fn resolve(&self, _: &ResolutionRequest) -> Result<ResolvedResource, Error> {
            Ok(ResolvedResource {
                data: self.0.as_bytes().to_vec(),
                ..Default::default()
            })
        }
    }
    let unknown = Resolvers::new().with(
        "x",
        Bad("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  stepz: []\n"),
    );
    let e = unknown.task(&req("x", &[])).unwrap_err();
    assert!(
        e.to_string().contains("unknown field(s): spec.stepz"),
        "{e}"
    );
    let invalid = Resolvers::new().with(
        "x",
        Bad("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: []\n"),
    );
    let e = invalid.task(&req("x", &[])).unwrap_err();
    assert!(
        e.to_string().contains("resolved Task \"t\" is invalid"),
        "{e}"
    );
    // A failure is cached like a success: the resolver is asked once.
    assert!(invalid.task(&req("x", &[])).is_err());
    assert_eq!(invalid.calls(), 1);
}

#[test]
fn deprecated_bundle_field_becomes_a_bundles_request() {
    let r = pipeline_core::TaskRef {
        name: "echo".into(),
        bundle: "reg.example/tasks:v1".into(),
        ..Default::default()
    };
    let q = ResolutionRequest::from_task_ref(&r, "ci").unwrap();
    assert_eq!(q.resolver, "bundles");
    assert_eq!(
        q.describe_params(),
        "bundle=reg.example/tasks:v1, name=echo, kind=task"
    );
    let plain = pipeline_core::TaskRef {
        name: "echo".into(),
        ..Default::default()
    };
    assert!(ResolutionRequest::from_task_ref(&plain, "ci").is_none());
}
