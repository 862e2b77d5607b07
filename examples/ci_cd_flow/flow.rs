//! The whole CI/CD flow of `cargo run --example ci_cd_flow`, as one function: [`run`].
//!
//! It takes a work directory and a sink for event lines, does every step for real (git
//! repositories, a signed webhook, a pipeline run with processes, an OCI image, a git
//! commit and push, reconciles into a cluster store) and returns a [`FlowReport`] that the
//! end-to-end test (`tests/ci_cd_flow.rs`) checks step by step.
//!
//! Fixture files live under `fixtures/` and are compiled in. They hold three tokens the flow
//! replaces when it writes the repositories: `__REGISTRY__` (the registry host),
//! `__SEED_TAG__` (the tag of the image already deployed) and `__GITOPS_CONFIG_URL__` (the
//! `file://` URL of the gitops-config repository).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gitops_toolkit::gitops::automation::{
    AutomationOutcome, Change, latest_image, run_automation_with_policies, setter_key,
};
use gitops_toolkit::gitops::model::{
    GitRepository, ImagePolicy as FluxImagePolicy, ImageRepository, ImageUpdateAutomation,
    Kustomization, Object, parse_objects,
};
use gitops_toolkit::gitops::object::ResId;
use gitops_toolkit::gitops::plan::Action;
use gitops_toolkit::gitops::reconcile::{
    KustomizationResult, ReconcileOptions, Renderer, Source, StatusHealth, reconcile_all,
};
use gitops_toolkit::gitops::render::{BuildOverrides, RenderError, flux_build};
use gitops_toolkit::gitops::source::{GitBackend, GixBackend, resolve_ref};
use gitops_toolkit::gitops::store::{ClusterStore, MemoryStore};
use gitops_toolkit::image::{ImageRef, OciLayout, OciLayoutLister, TagLister};
use gitops_toolkit::kustomize::MemoryFs;
use gitops_toolkit::pipeline::runner::{LogSink, RunInfo};
use gitops_toolkit::pipeline::substitute::{MapLookup, substitute};
use gitops_toolkit::pipeline::{
    ExecOutcome, LocalExecutor, ParamValue, PipelineRun, PipelineRunOutcome, PipelineRunState,
    RunContext, Runner, TaskExecution, TaskExecutor, TaskJob, describe_pipeline_run, load,
    outcome_objects,
};
use gitops_toolkit::triggers::{Event, Headers, Listener, MemorySecretStore, Outcome};
use serde_json::{Value, json};

/// The secret the EventListener checks webhook signatures with (the `github-webhook`
/// Secret of a real cluster).
pub const WEBHOOK_SECRET: &str = "demo-webhook-secret";
/// The registry host of the embedded OCI layout registry.
pub const EMBEDDED_REGISTRY: &str = "registry.local";
/// The image's repository path in the registry.
pub const IMAGE_PATH: &str = "demo/web";
/// The version the app-source commit of the flow releases.
pub const NEW_VERSION: &str = "1.1.0";

const APP_SOURCE: &[(&str, &str)] = &[
    ("README.md", include_str!("fixtures/app-source/README.md")),
    ("VERSION", include_str!("fixtures/app-source/VERSION")),
    ("app.sh", include_str!("fixtures/app-source/app.sh")),
    ("test.sh", include_str!("fixtures/app-source/test.sh")),
    (
        ".tekton/event-listener.yaml",
        include_str!("fixtures/app-source/.tekton/event-listener.yaml"),
    ),
    (
        ".tekton/pipeline.yaml",
        include_str!("fixtures/app-source/.tekton/pipeline.yaml"),
    ),
    (
        ".tekton/tasks.yaml",
        include_str!("fixtures/app-source/.tekton/tasks.yaml"),
    ),
];

const GITOPS_CONFIG: &[(&str, &str)] = &[
    (
        "README.md",
        include_str!("fixtures/gitops-config/README.md"),
    ),
    (
        "base/kustomization.yaml",
        include_str!("fixtures/gitops-config/base/kustomization.yaml"),
    ),
    (
        "base/deployment.yaml",
        include_str!("fixtures/gitops-config/base/deployment.yaml"),
    ),
    (
        "base/service.yaml",
        include_str!("fixtures/gitops-config/base/service.yaml"),
    ),
    (
        "base/ingress.yaml",
        include_str!("fixtures/gitops-config/base/ingress.yaml"),
    ),
    (
        "overlays/dev/kustomization.yaml",
        include_str!("fixtures/gitops-config/overlays/dev/kustomization.yaml"),
    ),
    (
        "overlays/dev/namespace.yaml",
        include_str!("fixtures/gitops-config/overlays/dev/namespace.yaml"),
    ),
    (
        "overlays/staging/kustomization.yaml",
        include_str!("fixtures/gitops-config/overlays/staging/kustomization.yaml"),
    ),
    (
        "overlays/staging/namespace.yaml",
        include_str!("fixtures/gitops-config/overlays/staging/namespace.yaml"),
    ),
    (
        "clusters/local/gitrepository.yaml",
        include_str!("fixtures/gitops-config/clusters/local/gitrepository.yaml"),
    ),
    (
        "clusters/local/apps.yaml",
        include_str!("fixtures/gitops-config/clusters/local/apps.yaml"),
    ),
    (
        "clusters/local/image-automation.yaml",
        include_str!("fixtures/gitops-config/clusters/local/image-automation.yaml"),
    ),
];

/// Where the flow runs.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// Work directory: the repositories, the registry, pipeline and Flux scratch space go
    /// under it. It must not already hold `app-source` or `gitops-config`.
    pub dir: PathBuf,
    /// A real registry (`http://127.0.0.1:5000`, `https://ghcr.io`) instead of the embedded
    /// OCI layout; only honoured with the `oci` feature.
    pub registry: Option<String>,
}

/// One reconcile of the GitOps side.
#[derive(Debug, Clone)]
pub struct SyncRecord {
    /// Why it ran (`bootstrap`, `new image`, ...).
    pub label: String,
    /// The GitRepository revision applied (`main@sha1:<hex>`).
    pub revision: String,
    /// One result per Kustomization, in `dependsOn` order.
    pub results: Vec<KustomizationResult>,
    /// The whole cluster store afterwards.
    pub objects: BTreeMap<ResId, Value>,
}

impl SyncRecord {
    /// The verbs of the plan entries carried out, as `Kind/ns/name verb` lines.
    pub fn plan_lines(&self) -> Vec<String> {
        self.results
            .iter()
            .flat_map(|r| r.plan.entries.iter().take(r.applied))
            .map(ToString::to_string)
            .collect()
    }

    /// Object names (`Kind/name`) per namespace, cluster-scoped objects under `""`.
    pub fn namespaces(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in self.objects.keys() {
            out.entry(id.namespace.clone())
                .or_default()
                .push(format!("{}/{}", id.kind, id.name));
        }
        out
    }

    /// The `web` Deployment of a namespace.
    pub fn deployment(&self, namespace: &str) -> Option<&Value> {
        self.objects
            .get(&ResId::new("apps", "Deployment", namespace, "web"))
    }
}

/// What the flow did, step by step.
#[derive(Debug, Clone)]
pub struct FlowReport {
    /// The work directory.
    pub dir: PathBuf,
    /// The app-source commit the flow pushed (40 hex).
    pub app_commit: String,
    /// Why the forged webhook (wrong signature) was turned away.
    pub forged_rejection: String,
    /// The params the EventListener bound from the genuine webhook.
    pub trigger_params: BTreeMap<String, String>,
    /// The PipelineRun the EventListener rendered (with its generated name).
    pub pipeline_run: Value,
    /// Every `[task : step] line` the pipeline printed.
    pub pipeline_logs: Vec<String>,
    /// The finished run.
    pub pipeline: PipelineRunOutcome,
    /// The image the pipeline pushed, `registry/path:tag`.
    pub pushed_image: String,
    /// The tags the ImageRepository scan listed.
    pub listed_tags: Vec<String>,
    /// The image the ImagePolicy chose.
    pub selected_image: String,
    /// The automation's commit in gitops-config.
    pub automation_commit: String,
    /// Its message.
    pub commit_message: String,
    /// The setter changes it committed.
    pub changes: Vec<Change>,
    /// `git log` of gitops-config after the automation: (short sha, summary), newest first.
    pub gitops_log: Vec<(String, String)>,
    /// Every reconcile, in order: bootstrap, new image, drift, replicas, prune.
    pub syncs: Vec<SyncRecord>,
    /// Phase names and durations.
    pub phases: Vec<(String, Duration)>,
}

impl FlowReport {
    /// The reconcile with this label.
    pub fn sync(&self, label: &str) -> Option<&SyncRecord> {
        self.syncs.iter().find(|s| s.label == label)
    }
}

/// Runs the flow in `options.dir`, sending one line per event to `sink`.
pub fn run(options: &FlowOptions, sink: &(dyn Fn(&str) + Sync)) -> Result<FlowReport, String> {
    let mut flow = Flow::new(options, sink)?;
    flow.run()
}

/// The closing summary of a report: what happened and how long each phase took.
pub fn summary(report: &FlowReport) -> Vec<String> {
    let mut out = vec!["== summary".to_string()];
    let total: Duration = report.phases.iter().map(|(_, d)| *d).sum();
    for (name, d) in &report.phases {
        out.push(format!("  {:<50} {:>9}", name, fmt_duration(*d)));
    }
    out.push(format!("  {:<50} {:>9}", "total", fmt_duration(total)));
    out.push(String::new());
    out.push(format!(
        "  pushed {} -> PipelineRun {} {} -> image {}",
        short(&report.app_commit),
        report
            .pipeline_run
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?"),
        report.pipeline.condition.reason,
        report.pushed_image
    ));
    out.push(format!(
        "  ImagePolicy chose {} -> gitops-config commit {}",
        report.selected_image,
        short(&report.automation_commit)
    ));
    if let Some(last) = report.syncs.last() {
        for (ns, objs) in last.namespaces() {
            if ns.is_empty() {
                out.push(format!("  cluster-scoped: {}", objs.join(", ")));
            } else {
                out.push(format!("  namespace {ns}: {}", objs.join(", ")));
            }
        }
    }
    out
}

fn fmt_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Event output: one line per event, prefixed with the time since the phase started.
struct Out<'a> {
    sink: &'a (dyn Fn(&str) + Sync),
    phase_start: Instant,
}

impl Out<'_> {
    fn event(&self, text: impl AsRef<str>) {
        (self.sink)(&format!(
            "{:>8}  {}",
            fmt_duration(self.phase_start.elapsed()),
            text.as_ref()
        ));
    }

    fn detail(&self, text: impl AsRef<str>) {
        let text = text.as_ref().trim_end();
        if text.is_empty() {
            (self.sink)("");
        } else {
            (self.sink)(&format!("{:>8}  {text}", ""));
        }
    }
}

/// The registry the pipeline pushes to and the ImageRepository scans.
enum Registry {
    /// The embedded OCI image layout directory.
    Layout(OciLayout),
    /// A real registry through oci-client.
    #[cfg(feature = "oci")]
    Remote {
        url: String,
        lister: std::sync::Mutex<gitops_toolkit::image::oci::RegistryLister>,
    },
}

impl Registry {
    fn open(dir: &Path, registry: Option<&str>) -> Result<(Registry, String), String> {
        match registry {
            None => {
                let layout = OciLayout::create(dir).map_err(|e| e.to_string())?;
                Ok((Registry::Layout(layout), EMBEDDED_REGISTRY.to_string()))
            }
            #[cfg(feature = "oci")]
            Some(url) => {
                use gitops_toolkit::image::oci::{Auth, RegistryLister};
                let (insecure, host) = match url.split_once("://") {
                    Some(("http", h)) => (true, h),
                    Some(("https", h)) => (false, h),
                    Some((scheme, _)) => {
                        return Err(format!("--registry {url}: unsupported scheme {scheme:?}"));
                    }
                    None => (false, url),
                };
                let host = host.trim_end_matches('/').to_string();
                let auth = match (
                    std::env::var("REGISTRY_USERNAME"),
                    std::env::var("REGISTRY_PASSWORD"),
                ) {
                    (Ok(username), Ok(password)) => Auth::Basic { username, password },
                    _ => Auth::Anonymous,
                };
                let insecure_hosts = if insecure {
                    vec![host.clone()]
                } else {
                    Vec::new()
                };
                let lister =
                    RegistryLister::new(auth, &insecure_hosts).map_err(|e| e.to_string())?;
                Ok((
                    Registry::Remote {
                        url: url.to_string(),
                        lister: std::sync::Mutex::new(lister),
                    },
                    host,
                ))
            }
            #[cfg(not(feature = "oci"))]
            Some(url) => Err(format!(
                "--registry {url} needs the `oci` feature (cargo run --example ci_cd_flow --features oci)"
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            Registry::Layout(l) => format!("embedded OCI layout at {}", l.root().display()),
            #[cfg(feature = "oci")]
            Registry::Remote { url, .. } => format!("registry {url}"),
        }
    }

    fn push(
        &self,
        repository: &str,
        tag: &str,
        config: &[u8],
        layer: &[u8],
    ) -> Result<String, String> {
        match self {
            Registry::Layout(l) => l
                .push(&format!("{repository}:{tag}"), config, layer)
                .map_err(|e| e.to_string()),
            #[cfg(feature = "oci")]
            Registry::Remote { lister, .. } => lister
                .lock()
                .map_err(|_| "registry client poisoned".to_string())?
                .push(repository, tag, config, layer)
                .map_err(|e| e.to_string()),
        }
    }

    fn list_tags(&self, repository: &str) -> Result<Vec<String>, String> {
        match self {
            Registry::Layout(l) => OciLayoutLister::new(l.root())
                .list_tags(repository)
                .map_err(|e| e.to_string()),
            #[cfg(feature = "oci")]
            Registry::Remote { lister, .. } => lister
                .lock()
                .map_err(|_| "registry client poisoned".to_string())?
                .list_tags(repository)
                .map_err(|e| e.to_string()),
        }
    }

    fn digest(&self, repository: &str, tag: &str) -> Result<Option<String>, String> {
        match self {
            Registry::Layout(l) => OciLayoutLister::new(l.root())
                .digest(repository, tag)
                .map_err(|e| e.to_string()),
            #[cfg(feature = "oci")]
            Registry::Remote { lister, .. } => lister
                .lock()
                .map_err(|_| "registry client poisoned".to_string())?
                .digest(repository, tag)
                .map_err(|e| e.to_string()),
        }
    }
}

/// The Flux objects read from gitops-config.
struct FluxObjects {
    git_repository: GitRepository,
    kustomizations: Vec<Kustomization>,
    image_repository: ImageRepository,
    image_policy: FluxImagePolicy,
    automation: ImageUpdateAutomation,
}

struct Flow<'a> {
    out: Out<'a>,
    dir: PathBuf,
    app_dir: PathBuf,
    gitops_dir: PathBuf,
    registry: Registry,
    registry_host: String,
    store: MemoryStore,
    flux: Option<FluxObjects>,
    phases: Vec<(String, Duration)>,
    syncs: Vec<SyncRecord>,
}

impl<'a> Flow<'a> {
    fn new(options: &FlowOptions, sink: &'a (dyn Fn(&str) + Sync)) -> Result<Self, String> {
        let dir = std::path::absolute(&options.dir)
            .map_err(|e| format!("{}: {e}", options.dir.display()))?;
        let (app_dir, gitops_dir) = (dir.join("app-source"), dir.join("gitops-config"));
        for d in [&app_dir, &gitops_dir] {
            if d.exists() {
                return Err(format!(
                    "{} already exists; choose an empty directory",
                    d.display()
                ));
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (registry, registry_host) =
            Registry::open(&dir.join("registry"), options.registry.as_deref())?;
        Ok(Flow {
            out: Out {
                sink,
                phase_start: Instant::now(),
            },
            dir,
            app_dir,
            gitops_dir,
            registry,
            registry_host,
            store: MemoryStore::new(),
            flux: None,
            phases: Vec::new(),
            syncs: Vec::new(),
        })
    }

    fn phase(&mut self, title: &str) {
        (self.out.sink)("");
        (self.out.sink)(&format!("== {title}"));
        self.out.phase_start = Instant::now();
    }

    fn end_phase(&mut self, title: &str) {
        self.phases
            .push((title.to_string(), self.out.phase_start.elapsed()));
    }

    fn image_repository(&self) -> String {
        format!("{}/{IMAGE_PATH}", self.registry_host)
    }

    fn run(&mut self) -> Result<FlowReport, String> {
        (self.out.sink)(&format!("work directory: {}", self.dir.display()));

        let t = "1. repositories, registry and cluster";
        self.phase(t);
        self.create_repositories()
            .map_err(|e| format!("{t}: {e}"))?;
        self.end_phase(t);

        let t = "2. push to app-source, webhook, EventListener";
        self.phase(t);
        let (app_commit, forged_rejection, trigger_params, pipeline_run) =
            self.push_and_trigger().map_err(|e| format!("{t}: {e}"))?;
        self.end_phase(t);

        let t = "3. PipelineRun: clone, test, build-and-push";
        self.phase(t);
        let (pipeline, pipeline_logs) = self
            .run_pipeline(&pipeline_run)
            .map_err(|e| format!("{t}: {e}"))?;
        let pushed_image = match pipeline.results.get("image") {
            Some(v) => v.to_string(),
            None => return Err("the PipelineRun has no `image` result".into()),
        };
        self.end_phase(t);

        let t = "4. image policy, setters, automation commit";
        self.phase(t);
        let auto = self.image_automation().map_err(|e| format!("{t}: {e}"))?;
        self.end_phase(t);

        let t = "5. GitRepository fetch, Kustomizations reconcile";
        self.phase(t);
        self.sync("new image").map_err(|e| format!("{t}: {e}"))?;
        self.end_phase(t);

        let t = "6. acceptance replays: drift, replicas, prune";
        self.phase(t);
        self.acceptance().map_err(|e| format!("{t}: {e}"))?;
        self.end_phase(t);

        Ok(FlowReport {
            dir: self.dir.clone(),
            app_commit,
            forged_rejection,
            trigger_params,
            pipeline_run,
            pipeline_logs,
            pipeline,
            pushed_image,
            listed_tags: auto.listed_tags,
            selected_image: auto.selected_image,
            automation_commit: auto.commit,
            commit_message: auto.message,
            changes: auto.changes,
            gitops_log: auto.log,
            syncs: std::mem::take(&mut self.syncs),
            phases: std::mem::take(&mut self.phases),
        })
    }

    // ---- phase 1 -------------------------------------------------------------------------

    fn create_repositories(&mut self) -> Result<(), String> {
        let registry = self.registry_host.clone();
        let gitops_url = file_url(&self.gitops_dir);

        let files = render_fixtures(APP_SOURCE, &[("__REGISTRY__", &registry)]);
        write_files(&self.app_dir, &files)?;
        init_repo(&self.app_dir)?;
        let seed = commit_all(&self.app_dir, "web 1.0.0: first release", &DEVELOPER, None)?;
        self.out.event(format!(
            "app-source     created at {} with {} files, main at {} \"web 1.0.0: first release\"",
            self.app_dir.display(),
            files.len(),
            short(&seed.id)
        ));

        // The image of the first release is already in the registry and deployed.
        let seed_tag = format!("main-{}-{}", short(&seed.id), seed.time);
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","config":{{"Entrypoint":["/app.sh"]}},"rootfs":{{"type":"layers","diff_ids":[]}},"history":[{{"comment":"web 1.0.0 from {}"}}]}}"#,
            seed.id
        );
        let layer = format!("web 1.0.0 built from {}\n", seed.id);
        let repo = self.image_repository();
        let digest = self
            .registry
            .push(&repo, &seed_tag, config.as_bytes(), layer.as_bytes())?;
        self.registry
            .push(&repo, short(&seed.id), config.as_bytes(), layer.as_bytes())?;
        self.out.event(format!(
            "registry       {}: holds {repo}:{seed_tag} ({}), the image of the first release",
            self.registry.describe(),
            short_digest(&digest)
        ));

        let files = render_fixtures(
            GITOPS_CONFIG,
            &[
                ("__REGISTRY__", &registry),
                ("__SEED_TAG__", &seed_tag),
                ("__GITOPS_CONFIG_URL__", &gitops_url),
            ],
        );
        write_files(&self.gitops_dir, &files)?;
        init_repo(&self.gitops_dir)?;
        // A push to the checked-out branch updates the work tree, as a hosted repository would
        // show the new commit.
        append_git_config(
            &self.gitops_dir,
            "[receive]\n\tdenyCurrentBranch = updateInstead\n",
        )?;
        let first = commit_all(
            &self.gitops_dir,
            "Deploy web 1.0.0 to dev and staging",
            &PLATFORM,
            None,
        )?;
        self.out.event(format!(
            "gitops-config  created at {} with {} files, main at {} (base, overlays dev/staging, clusters/local)",
            self.gitops_dir.display(),
            files.len(),
            short(&first.id)
        ));

        let record = self.sync_quiet("bootstrap")?;
        for r in &record.results {
            let created = r
                .plan
                .count(gitops_toolkit::gitops::plan::ActionKind::Create);
            let ready = r
                .ready_condition()
                .map(|c| format!("{}={}", c.type_, c.status))
                .unwrap_or_default();
            self.out.event(format!(
                "cluster        Kustomization/{} bootstrapped: {created} objects created, {ready}",
                r.key
            ));
        }
        Ok(())
    }

    // ---- phase 2 -------------------------------------------------------------------------

    fn push_and_trigger(
        &mut self,
    ) -> Result<(String, String, BTreeMap<String, String>, Value), String> {
        let before = head_commit(&self.app_dir)?;
        write_files(
            &self.app_dir,
            &[("VERSION".to_string(), format!("{NEW_VERSION}\n"))],
        )?;
        let message = format!("web {NEW_VERSION}: greet with the version");
        let commit = commit_all(&self.app_dir, &message, &DEVELOPER, Some(before.time))?;
        self.out.event(format!(
            "git push       app-source main {}..{} \"{message}\"",
            short(&before.id),
            short(&commit.id)
        ));

        let body = push_payload(&self.app_dir, &before, &commit, &message, &["VERSION"]);
        let body = serde_json::to_vec_pretty(&body).map_err(|e| e.to_string())?;
        let delivery = delivery_id(&commit.id);
        let signature = sign(WEBHOOK_SECRET.as_bytes(), &body)?;
        self.out.event(format!(
            "webhook        POST push event, {} bytes, X-GitHub-Delivery {delivery}, X-Hub-Signature-256 {}…",
            body.len(),
            signature.get(..19).unwrap_or(&signature)
        ));

        let el_text = std::fs::read_to_string(self.app_dir.join(".tekton/event-listener.yaml"))
            .map_err(|e| format!("event-listener.yaml: {e}"))?;
        let secrets = MemorySecretStore::new().with("github-webhook", "secret", WEBHOOK_SECRET);
        let listener = Listener::from_yaml(".tekton/event-listener.yaml", &el_text, secrets)
            .map_err(|e| e.to_string())?;
        if let Some((trigger, problem)) = listener.problems().into_iter().next() {
            return Err(format!("EventListener trigger {trigger}: {problem}"));
        }

        // A forged delivery first: same body, signed with the wrong secret.
        let forged = sign(b"not-the-secret", &body)?;
        let response = listener.process(&Event::new(
            github_headers(&delivery, &forged),
            body.clone(),
        ));
        let forged_rejection = match response.triggers.first().map(|t| &t.outcome) {
            Some(Outcome::Rejected { reason }) => reason.clone(),
            Some(Outcome::Accepted { .. }) => {
                return Err("the EventListener accepted a webhook with a forged signature".into());
            }
            None => return Err("the EventListener has no trigger".into()),
        };
        self.out.event(format!(
            "EventListener  {}: forged copy (wrong secret) rejected: {forged_rejection}",
            listener.name()
        ));

        let response = listener.process(&Event::new(github_headers(&delivery, &signature), body));
        let Some(result) = response.triggers.first() else {
            return Err("the EventListener has no trigger".into());
        };
        let (params, resources) = match &result.outcome {
            Outcome::Accepted {
                params, resources, ..
            } => (params.clone(), resources.clone()),
            Outcome::Rejected { reason } => {
                return Err(format!(
                    "trigger {} rejected the webhook: {reason}",
                    result.name
                ));
            }
        };
        self.out.event(format!(
            "EventListener  {}: trigger {} accepted (github signature + event type, CEL filter on refs/heads/main)",
            listener.name(),
            result.name
        ));
        let shown: Vec<String> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "repo-url")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        self.out
            .detail(format!("bound params: {}", shown.join(" ")));

        let Some(mut run) = resources.into_iter().next() else {
            return Err("the trigger rendered no resource".into());
        };
        let generate = run
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .unwrap_or("ci-")
            .to_string();
        // The API server would add five random characters; take them from the commit.
        let name = format!("{generate}{}", commit.id.get(35..40).unwrap_or("00000"));
        if let Some(meta) = run.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(name.clone()));
            meta.insert("namespace".into(), Value::String("ci".into()));
        }
        self.out.event(format!(
            "TriggerTemplate rendered PipelineRun {name} (pipelineRef ci, revision {})",
            short(&commit.id)
        ));
        Ok((commit.id, forged_rejection, params, run))
    }

    // ---- phase 3 -------------------------------------------------------------------------

    fn run_pipeline(&mut self, run: &Value) -> Result<(PipelineRunOutcome, Vec<String>), String> {
        let mut text = String::new();
        for f in [".tekton/pipeline.yaml", ".tekton/tasks.yaml"] {
            let t =
                std::fs::read_to_string(self.app_dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
            text.push_str(&t);
            text.push_str("\n---\n");
        }
        let resources = load("app-source/.tekton", &text).map_err(|e| e.to_string())?;
        let pr: PipelineRun = serde_json::from_value(run.clone())
            .map_err(|e| format!("the rendered PipelineRun: {e}"))?;
        let pipeline_name = pr
            .spec
            .pipeline_ref
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let pipeline = resources
            .pipeline(&pipeline_name)
            .ok_or_else(|| format!("pipeline {pipeline_name:?} is not in app-source/.tekton"))?;
        let ctx = RunContext::from_pipeline_run(&pr, &pipeline_name);
        let info = RunInfo {
            name: ctx.name.clone(),
            namespace: ctx.namespace.clone(),
            uid: ctx.uid.clone(),
            pipeline: pipeline_name.clone(),
        };
        let state = PipelineRunState::new(&pipeline.spec, ctx).map_err(|e| e.to_string())?;
        self.out.event(format!(
            "PipelineRun    {} started: {} tasks + {} finally, workspace `source` on {}",
            info.name,
            pipeline.spec.tasks.len(),
            pipeline.spec.finally.len(),
            self.dir.join("pipeline/workspaces/source").display()
        ));

        let root = self.dir.join("pipeline");
        let workspace = root.join("workspaces").join("source");
        let executor = FlowExecutor {
            local: LocalExecutor::new(&root).workspace("source", &workspace),
            workspaces: BTreeMap::from([("source".to_string(), workspace)]),
            registry: &self.registry,
        };
        let logs = PipelineLogs {
            out: &self.out,
            lines: std::sync::Mutex::new(Vec::new()),
        };
        let started = unix_nanos_now();
        let outcome = Runner::new(&executor, &resources)
            .logs(&logs)
            .parallelism(2)
            .pipeline_timeout(Some(Duration::from_secs(600)))
            .run(state, info)
            .map_err(|e| e.to_string())?;
        let lines = logs.lines.into_inner().unwrap_or_default();

        self.out.event(format!(
            "PipelineRun    {} finished: {} ({})",
            outcome.name, outcome.condition.reason, outcome.condition.message
        ));
        // The run as a cluster would hold it, printed as `tkn pipelinerun describe` does.
        let (pr_object, task_runs) = outcome_objects(&outcome, run, started);
        let described = describe_pipeline_run(&pr_object, &task_runs, unix_nanos_now())
            .map_err(|e| e.to_string())?;
        for line in described.lines() {
            self.out.detail(line);
        }
        if outcome.condition.status.as_str() != "True" {
            return Err(format!(
                "PipelineRun {} failed: {}",
                outcome.name, outcome.condition.message
            ));
        }
        Ok((outcome, lines))
    }

    // ---- phase 4 -------------------------------------------------------------------------

    fn image_automation(&mut self) -> Result<AutomationRecord, String> {
        let flux = self
            .flux
            .as_ref()
            .ok_or("gitops-config was never fetched")?;
        let repo = flux.image_repository.spec.image.clone();
        let listed_tags = self.registry.list_tags(&repo)?;
        self.out.event(format!(
            "ImageRepository {}: scanned {repo}, {} tags: {}",
            flux.image_repository.metadata.key(),
            listed_tags.len(),
            listed_tags.join(", ")
        ));

        let policy = &flux.image_policy;
        let setter = setter_key(policy);
        let repository = ImageRef::parse(&repo).map_err(|e| e.to_string())?;
        let selected = latest_image(policy, &repository, &listed_tags)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("ImagePolicy {setter}: no tag matches"))?;
        let tag = selected.tag().unwrap_or_default().to_string();
        let digest = self.registry.digest(&repo, &tag)?.unwrap_or_default();
        let selected_image = format!("{repo}:{tag}");
        let how = match (&policy.spec.filter_tags, &policy.spec.policy.numerical) {
            (Some(f), Some(_)) => format!(
                "numerical order of `{}` extracted by `{}`",
                f.extract.as_deref().unwrap_or(""),
                f.pattern
            ),
            _ => "its policy".to_string(),
        };
        self.out.event(format!(
            "ImagePolicy    {}: {how} -> latest {selected_image} ({})",
            setter.replacen(':', "/", 1),
            short_digest(&digest)
        ));

        let automation = flux.automation.clone();
        let url = flux.git_repository.spec.url.clone();
        let branch = automation
            .spec
            .git
            .checkout
            .as_ref()
            .and_then(|c| c.reference.branch.clone())
            .unwrap_or_else(|| "main".into());
        let policies = BTreeMap::from([(setter, selected)]);
        let workdir = self.dir.join("flux").join("image-automation");
        let _ = std::fs::remove_dir_all(&workdir);
        let outcome = run_automation_with_policies(
            &automation,
            &url,
            &branch,
            &workdir,
            &GixBackend,
            &policies,
        )
        .map_err(|e| e.to_string())?;
        let AutomationOutcome::Pushed {
            commit,
            refspec,
            changes,
        } = outcome
        else {
            return Err("the image automation found nothing to change".into());
        };
        for c in &changes {
            self.out.event(format!(
                "setter         {} ({}): {} -> {}",
                c.file, c.setter, c.old_value, c.new_value
            ));
        }
        let (message, log) = {
            let repo = gix::open(&self.gitops_dir).map_err(|e| e.to_string())?;
            let c = repo
                .find_commit(gix_id(&commit)?)
                .map_err(|e| format!("commit {commit}: {e}"))?;
            let message = c.message_raw_sloppy().to_string();
            (message, git_log(&self.gitops_dir, 5)?)
        };
        self.out.event(format!(
            "automation     {}: committed {} and pushed {refspec} to {url}",
            automation.metadata.key(),
            short(&commit)
        ));
        self.out.detail("commit message:");
        for line in message.trim_end().lines() {
            self.out.detail(format!("  | {line}"));
        }
        self.out.detail("git log --oneline (gitops-config):");
        for (sha, summary) in &log {
            self.out.detail(format!("  {sha} {summary}"));
        }
        Ok(AutomationRecord {
            listed_tags,
            selected_image,
            commit,
            message,
            changes,
            log,
        })
    }

    // ---- phases 5 and 6 ------------------------------------------------------------------

    /// Fetches gitops-config through its GitRepository, reads the Flux objects and
    /// reconciles every Kustomization into the store; prints the plan and the conditions.
    fn sync(&mut self, label: &str) -> Result<(), String> {
        let record = self.sync_quiet(label)?;
        for r in &record.results {
            for e in r.plan.entries.iter().take(r.applied) {
                let mut line = format!("  {:<40} {}", e.id.to_string(), e.action.verb());
                if let Action::Update(changes) = &e.action {
                    let mut fields = Vec::new();
                    for c in changes {
                        leaf_changes(&c.path, c.live.as_ref(), &c.desired, &mut fields);
                    }
                    let more = fields.len().saturating_sub(3);
                    fields.truncate(3);
                    if more > 0 {
                        fields.push(format!("{more} more"));
                    }
                    line.push_str(&format!("  ({})", fields.join("; ")));
                }
                self.out.detail(line);
            }
            if let Some(c) = r.ready_condition() {
                self.out.event(format!(
                    "Kustomization  {}: {}={} {}: {}",
                    r.key, c.type_, c.status, c.reason, c.message
                ));
            }
        }
        Ok(())
    }

    fn sync_quiet(&mut self, label: &str) -> Result<SyncRecord, String> {
        // The GitRepository of the cluster; at bootstrap, the one committed in gitops-config.
        let (url, reference, name) = match &self.flux {
            Some(f) => (
                f.git_repository.spec.url.clone(),
                f.git_repository.spec.reference.clone(),
                f.git_repository.metadata.key(),
            ),
            None => (
                file_url(&self.gitops_dir),
                None,
                "flux-system/gitops-config".to_string(),
            ),
        };
        let mirror = self.dir.join("flux").join("gitrepository-mirror");
        let refs = GixBackend.fetch(&url, &mirror).map_err(|e| e.to_string())?;
        let reference = reference.or_else(|| {
            Some(gitops_toolkit::gitops::model::GitRepositoryRef {
                branch: Some("main".into()),
                ..Default::default()
            })
        });
        let resolved = resolve_ref(reference.as_ref(), &refs, &url).map_err(|e| e.to_string())?;
        let files = GixBackend
            .read_tree(&mirror, &resolved.commit)
            .map_err(|e| e.to_string())?;
        let revision = resolved.revision();
        let previous = self.syncs.last().map(|s| s.revision.as_str());
        if previous == Some(revision.as_str()) {
            self.out.event(format!(
                "GitRepository  {name}: fetched, still at {revision}"
            ));
        } else if label != "bootstrap" {
            self.out.event(format!(
                "GitRepository  {name}: fetched new revision {revision} ({} files)",
                files.len()
            ));
        }

        let mut fs = MemoryFs::new();
        let mut flux_objects = Vec::new();
        for f in &files {
            fs.insert(&f.path, f.data.clone());
            if f.path.starts_with("clusters/") && f.path.ends_with(".yaml") {
                let text = String::from_utf8_lossy(&f.data);
                flux_objects.extend(parse_objects(&text, &f.path).map_err(|e| e.to_string())?);
            }
        }
        let flux = flux_from(flux_objects)?;
        let root = PathBuf::from(format!(
            "/artifacts/gitrepository/{name}/{}",
            short(&resolved.commit)
        ));
        let source = Source {
            root: root.clone(),
            revision: revision.clone(),
        };
        let renderer = TreeRenderer { root, fs };
        let results = reconcile_all(
            &flux.kustomizations,
            &source,
            &renderer,
            &mut self.store,
            &StatusHealth,
            ReconcileOptions::default(),
        );
        self.flux = Some(flux);
        for r in &results {
            if !r.ready() {
                let why = r
                    .ready_condition()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Err(format!("Kustomization {} is not Ready: {why}", r.key));
            }
        }
        let record = SyncRecord {
            label: label.to_string(),
            revision,
            results,
            objects: self.store.objects.clone(),
        };
        self.syncs.push(record.clone());
        Ok(record)
    }

    fn acceptance(&mut self) -> Result<(), String> {
        // Drift: someone deletes the staging Deployment by hand.
        let id = ResId::new("apps", "Deployment", "staging", "web");
        let deleted = self.store.delete(&id).map_err(|e| e.to_string())?;
        if !deleted {
            return Err(format!("{id} was not in the cluster"));
        }
        self.out.event(format!(
            "drift          {id} deleted from the cluster by hand"
        ));
        self.sync("drift repaired")?;
        if self.store.get(&id).map_err(|e| e.to_string())?.is_none() {
            return Err(format!("the reconcile did not restore {id}"));
        }

        // Scale: replicas 2 -> 3 in git.
        let file = self.gitops_dir.join("base/deployment.yaml");
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        if !text.contains("replicas: 2\n") {
            return Err("base/deployment.yaml has no `replicas: 2`".into());
        }
        write_files(
            &self.gitops_dir,
            &[(
                "base/deployment.yaml".to_string(),
                text.replacen("replicas: 2\n", "replicas: 3\n", 1),
            )],
        )?;
        let before = head_commit(&self.gitops_dir)?;
        let c = commit_all(
            &self.gitops_dir,
            "Scale web to 3 replicas",
            &PLATFORM,
            Some(before.time),
        )?;
        self.out.event(format!(
            "git commit     gitops-config {} \"Scale web to 3 replicas\" (base/deployment.yaml: replicas 2 -> 3)",
            short(&c.id)
        ));
        self.sync("replicas 3")?;

        // Prune: the Ingress leaves git.
        let kfile = "base/kustomization.yaml";
        let text = std::fs::read_to_string(self.gitops_dir.join(kfile))
            .map_err(|e| format!("{kfile}: {e}"))?;
        if !text.contains("  - ingress.yaml\n") {
            return Err(format!("{kfile} does not list ingress.yaml"));
        }
        write_files(
            &self.gitops_dir,
            &[(
                kfile.to_string(),
                text.replacen("  - ingress.yaml\n", "", 1),
            )],
        )?;
        std::fs::remove_file(self.gitops_dir.join("base/ingress.yaml"))
            .map_err(|e| format!("base/ingress.yaml: {e}"))?;
        let before = head_commit(&self.gitops_dir)?;
        let c = commit_all(
            &self.gitops_dir,
            "Remove the web Ingress",
            &PLATFORM,
            Some(before.time),
        )?;
        self.out.event(format!(
            "git commit     gitops-config {} \"Remove the web Ingress\" (base/ingress.yaml deleted)",
            short(&c.id)
        ));
        self.sync("ingress removed")?;
        Ok(())
    }
}

struct AutomationRecord {
    listed_tags: Vec<String>,
    selected_image: String,
    commit: String,
    message: String,
    changes: Vec<Change>,
    log: Vec<(String, String)>,
}

fn flux_from(objects: Vec<Object>) -> Result<FluxObjects, String> {
    let mut git_repository = None;
    let mut kustomizations = Vec::new();
    let mut image_repository = None;
    let mut image_policy = None;
    let mut automation = None;
    for o in objects {
        match o {
            Object::GitRepository(g) => git_repository = Some(g),
            Object::Kustomization(k) => kustomizations.push(k),
            Object::ImageRepository(r) => image_repository = Some(r),
            Object::ImagePolicy(p) => image_policy = Some(p),
            Object::ImageUpdateAutomation(a) => automation = Some(a),
            Object::Application(_) | Object::Other(_) => {}
        }
    }
    let missing = |kind: &str| format!("gitops-config/clusters has no {kind}");
    Ok(FluxObjects {
        git_repository: git_repository.ok_or_else(|| missing("GitRepository"))?,
        kustomizations,
        image_repository: image_repository.ok_or_else(|| missing("ImageRepository"))?,
        image_policy: image_policy.ok_or_else(|| missing("ImagePolicy"))?,
        automation: automation.ok_or_else(|| missing("ImageUpdateAutomation"))?,
    })
}

/// The leaf fields that differ between `live` and `desired` (the plan compares lists as a
/// whole; this walks into lists of the same length to name the field that changed).
fn leaf_changes(path: &str, live: Option<&Value>, desired: &Value, out: &mut Vec<String>) {
    match (live, desired) {
        (Some(Value::Array(l)), Value::Array(d)) if l.len() == d.len() => {
            for (i, (lv, dv)) in l.iter().zip(d).enumerate() {
                leaf_changes(&format!("{path}/{i}"), Some(lv), dv, out);
            }
        }
        (Some(Value::Object(l)), Value::Object(d)) => {
            for (k, dv) in d {
                leaf_changes(&format!("{path}/{k}"), l.get(k), dv, out);
            }
        }
        (Some(l), d) if l == d => {}
        (l, d) => out.push(format!(
            "{path}: {} -> {}",
            l.map_or("<none>".to_string(), show_value),
            show_value(d)
        )),
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn short_digest(digest: &str) -> String {
    match digest.strip_prefix("sha256:") {
        Some(hex) => format!("sha256:{}", hex.get(..12).unwrap_or(hex)),
        None => digest.to_string(),
    }
}

/// The system clock as Unix nanoseconds.
fn unix_nanos_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

// ---- the executor -------------------------------------------------------------------------

/// Runs `sh` steps with the local executor and the `gitops-toolkit/...` step images in
/// process: `git-clone` (gix) and `oci-push` (the registry).
struct FlowExecutor<'r> {
    local: LocalExecutor,
    workspaces: BTreeMap<String, PathBuf>,
    registry: &'r Registry,
}

const BUILTIN_PREFIX: &str = "gitops-toolkit/";

impl FlowExecutor<'_> {
    /// `$(params.x)`, `$(workspaces.w.path)` for a built-in step.
    fn lookup(&self, job: &TaskJob) -> MapLookup {
        let mut lookup = MapLookup::default();
        for p in &job.task.params {
            if let Some(d) = &p.default {
                lookup.params.insert(p.name.clone(), d.clone());
            }
        }
        for p in &job.instance.params {
            lookup.params.insert(p.name.clone(), p.value.clone());
        }
        for w in &job.task.workspaces {
            let binding = job.instance.workspaces.iter().find(|b| b.name == w.name);
            if let Some(b) = binding {
                let target = if b.workspace.is_empty() {
                    &b.name
                } else {
                    &b.workspace
                };
                if let Some(path) = self.workspaces.get(target) {
                    let path = if b.sub_path.is_empty() {
                        path.clone()
                    } else {
                        path.join(&b.sub_path)
                    };
                    lookup.other.insert(
                        format!("workspaces.{}.path", w.name),
                        path.display().to_string(),
                    );
                }
            }
        }
        lookup
    }

    fn builtin(
        &self,
        image: &str,
        env: &BTreeMap<String, String>,
        log: &dyn Fn(&str),
    ) -> Result<BTreeMap<String, ParamValue>, String> {
        let var = |k: &str| {
            env.get(k)
                .cloned()
                .ok_or_else(|| format!("step image {image} needs env {k}"))
        };
        match image {
            "git-clone" => {
                let (url, branch, revision, dest) =
                    (var("URL")?, var("BRANCH")?, var("REVISION")?, var("DEST")?);
                log(&format!("cloning {url} (branch {branch}) into {dest}"));
                let head = GixBackend
                    .checkout(&url, &branch, Path::new(&dest))
                    .map_err(|e| e.to_string())?;
                if !revision.is_empty() && revision != branch && head != revision {
                    return Err(format!(
                        "branch {branch} of {url} is at {head}, not at the revision {revision}"
                    ));
                }
                let c = head_commit(Path::new(&dest))?;
                log(&format!("HEAD is now at {} {}", short(&c.id), c.summary));
                Ok(BTreeMap::from([
                    ("commit".to_string(), ParamValue::String(c.id.clone())),
                    (
                        "short-sha".to_string(),
                        ParamValue::String(short(&c.id).to_string()),
                    ),
                    (
                        "committer-date".to_string(),
                        ParamValue::String(c.time.to_string()),
                    ),
                ]))
            }
            "oci-push" => {
                let (image, tags, context) = (var("IMAGE")?, var("TAGS")?, var("CONTEXT")?);
                let context = PathBuf::from(context);
                let read = |f: &str| {
                    std::fs::read(context.join(f))
                        .map_err(|e| format!("{}: {e}", context.join(f).display()))
                };
                let (config, layer) = (read("config.json")?, read("layer.tar")?);
                let mut first = None;
                for tag in tags.split_whitespace() {
                    let digest = self.registry.push(&image, tag, &config, &layer)?;
                    log(&format!("pushed {image}:{tag} ({})", short_digest(&digest)));
                    first.get_or_insert((tag.to_string(), digest));
                }
                let Some((tag, digest)) = first else {
                    return Err("TAGS is empty".into());
                };
                Ok(BTreeMap::from([
                    (
                        "IMAGE_URL".to_string(),
                        ParamValue::String(format!("{image}:{tag}")),
                    ),
                    ("IMAGE_DIGEST".to_string(), ParamValue::String(digest)),
                ]))
            }
            other => Err(format!(
                "unknown built-in step image {BUILTIN_PREFIX}{other}"
            )),
        }
    }
}

impl TaskExecutor for FlowExecutor<'_> {
    fn execute(&self, job: &TaskJob, logs: &dyn LogSink) -> TaskExecution {
        let has_builtin = job
            .task
            .steps
            .iter()
            .any(|s| s.image.starts_with(BUILTIN_PREFIX));
        if !has_builtin {
            return self.local.execute(job, logs);
        }
        let display = job.instance.display_name();
        let mut results = BTreeMap::new();
        for step in &job.task.steps {
            if job.is_cancelled() {
                return TaskExecution {
                    outcome: ExecOutcome::Cancelled,
                    results,
                };
            }
            if let Some(image) = step.image.strip_prefix(BUILTIN_PREFIX) {
                let lookup = self.lookup(job);
                let env: BTreeMap<String, String> = step
                    .env
                    .iter()
                    .map(|e| (e.name.clone(), substitute(&e.value, &lookup)))
                    .collect();
                let log = |line: &str| logs.line(&display, &step.name, line);
                match self.builtin(image, &env, &log) {
                    Ok(r) => results.extend(r),
                    Err(message) => {
                        log(&message);
                        return TaskExecution {
                            outcome: ExecOutcome::Failed(format!(
                                "task {display:?}: step {:?}: {message}",
                                step.name
                            )),
                            results,
                        };
                    }
                }
            } else {
                let mut one = job.clone();
                one.task.steps = vec![step.clone()];
                let done = self.local.execute(&one, logs);
                results.extend(done.results);
                if done.outcome != ExecOutcome::Succeeded {
                    return TaskExecution {
                        outcome: done.outcome,
                        results,
                    };
                }
            }
        }
        TaskExecution {
            outcome: ExecOutcome::Succeeded,
            results,
        }
    }
}

/// Forwards `[task : step] line` to the event output and keeps a copy.
struct PipelineLogs<'o, 's> {
    out: &'o Out<'s>,
    lines: std::sync::Mutex<Vec<String>>,
}

impl LogSink for PipelineLogs<'_, '_> {
    fn line(&self, task: &str, step: &str, line: &str) {
        let text = format!("[{task} : {step}] {line}");
        self.out.event(&text);
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(text);
        }
    }
}

// ---- rendering Kustomizations from the fetched tree --------------------------------------

/// Renders a Kustomization's path as Flux does (gitops-core's `flux_build` over
/// kustomize-lite), straight from the files of the fetched git tree: no checkout on disk.
struct TreeRenderer {
    root: PathBuf,
    fs: MemoryFs,
}

impl Renderer for TreeRenderer {
    fn render(&self, dir: &Path) -> Result<Vec<Value>, RenderError> {
        let rel = dir
            .strip_prefix(&self.root)
            .map_err(|_| format!("{} is outside the source", dir.display()))?;
        let rel = rel
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", rel.display()))?;
        flux_build(&self.fs, rel, &BuildOverrides::default())
    }

    fn render_source(
        &self,
        _root: &Path,
        path: &str,
        overrides: &BuildOverrides,
    ) -> Result<Vec<Value>, RenderError> {
        flux_build(&self.fs, path, overrides)
    }
}

// ---- git ----------------------------------------------------------------------------------

struct Person {
    name: &'static str,
    email: &'static str,
}

const DEVELOPER: Person = Person {
    name: "Dana Developer",
    email: "dana@example.com",
};
const PLATFORM: Person = Person {
    name: "Pat Platform",
    email: "pat@example.com",
};

/// A commit's id, committer time (Unix seconds) and summary.
#[derive(Debug, Clone)]
struct CommitInfo {
    id: String,
    tree: String,
    time: i64,
    summary: String,
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn gix_id(hex: &str) -> Result<gix::ObjectId, String> {
    gix::ObjectId::from_hex(hex.as_bytes()).map_err(|e| format!("{hex}: {e}"))
}

fn render_fixtures(files: &[(&str, &str)], tokens: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(path, text)| {
            let text = tokens
                .iter()
                .fold(text.to_string(), |t, (k, v)| t.replace(k, v));
            (path.to_string(), text)
        })
        .collect()
}

fn write_files(root: &Path, files: &[(String, String)]) -> Result<(), String> {
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        if rel.ends_with(".sh") {
            set_executable(&path)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<(), String> {
    Ok(())
}

/// `git init` with gix, `main` as the initial branch.
fn init_repo(dir: &Path) -> Result<(), String> {
    gix::init(dir).map_err(|e| format!("git init {}: {e}", dir.display()))?;
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n")
        .map_err(|e| format!("{}: {e}", dir.display()))
}

fn append_git_config(dir: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let path = dir.join(".git/config");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .to_str()
                .ok_or_else(|| format!("{} is not UTF-8", path.display()))?
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
    Ok(())
}

/// Commits the whole work tree of `dir` on its current branch with gix (blobs, tree,
/// commit, index), as `who`. The committer time is now, but always later than
/// `after` (the parent's time): image tags built from it then order like the commits.
fn commit_all(
    dir: &Path,
    message: &str,
    who: &Person,
    after: Option<i64>,
) -> Result<CommitInfo, String> {
    let fail = |e: &dyn std::fmt::Display| format!("git commit in {}: {e}", dir.display());
    let repo = gix::open(dir).map_err(|e| fail(&e))?;
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    let mut editor = repo
        .edit_tree(gix::ObjectId::empty_tree(repo.object_hash()))
        .map_err(|e| fail(&e))?;
    for (rel, path) in &files {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let id = repo.write_blob(&data).map_err(|e| fail(&e))?;
        let kind = if is_executable(path) {
            gix::object::tree::EntryKind::BlobExecutable
        } else {
            gix::object::tree::EntryKind::Blob
        };
        editor
            .upsert(rel.as_str(), kind, id)
            .map_err(|e| fail(&e))?;
    }
    let tree = editor.write().map_err(|e| fail(&e))?.detach();
    let parent = repo.head_id().ok().map(|id| id.detach());
    let time = after.map_or(now_secs(), |t| now_secs().max(t + 1));
    let signature = gix::actor::Signature {
        name: who.name.into(),
        email: who.email.into(),
        time: gix::date::Time::new(time, 0),
    };
    let mut buf_c = gix::date::parse::TimeBuf::default();
    let mut buf_a = gix::date::parse::TimeBuf::default();
    let id = repo
        .commit_as(
            signature.to_ref(&mut buf_c),
            signature.to_ref(&mut buf_a),
            "HEAD",
            message,
            tree,
            parent,
        )
        .map_err(|e| fail(&e))?
        .detach();
    let mut index = repo.index_from_tree(&tree).map_err(|e| fail(&e))?;
    index
        .write(gix::index::write::Options::default())
        .map_err(|e| fail(&e))?;
    Ok(CommitInfo {
        id: id.to_string(),
        tree: tree.to_string(),
        time,
        summary: message.lines().next().unwrap_or("").to_string(),
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sh")
}

fn head_commit(dir: &Path) -> Result<CommitInfo, String> {
    let fail = |e: &dyn std::fmt::Display| format!("reading HEAD of {}: {e}", dir.display());
    let repo = gix::open(dir).map_err(|e| fail(&e))?;
    let c = repo.head_commit().map_err(|e| fail(&e))?;
    let time = c.time().map_err(|e| fail(&e))?.seconds;
    let tree = c.tree_id().map_err(|e| fail(&e))?.to_string();
    let summary = c
        .message()
        .map(|m| m.summary().to_string())
        .unwrap_or_default();
    Ok(CommitInfo {
        id: c.id().to_string(),
        tree,
        time,
        summary,
    })
}

/// First-parent history of HEAD: (short sha, summary), newest first.
fn git_log(dir: &Path, max: usize) -> Result<Vec<(String, String)>, String> {
    let fail = |e: &dyn std::fmt::Display| format!("git log in {}: {e}", dir.display());
    let repo = gix::open(dir).map_err(|e| fail(&e))?;
    let mut out = Vec::new();
    let mut next = Some(repo.head_id().map_err(|e| fail(&e))?.detach());
    while let Some(id) = next {
        if out.len() >= max {
            break;
        }
        let c = repo.find_commit(id).map_err(|e| fail(&e))?;
        let summary = c
            .message()
            .map(|m| m.summary().to_string())
            .unwrap_or_default();
        out.push((short(&id.to_string()).to_string(), summary));
        next = c.parent_ids().next().map(|p| p.detach());
    }
    Ok(out)
}

// ---- the webhook --------------------------------------------------------------------------

/// A GitHub `push` event for `commit`, shaped like the real payload.
fn push_payload(
    repo_dir: &Path,
    before: &CommitInfo,
    commit: &CommitInfo,
    message: &str,
    modified: &[&str],
) -> Value {
    let html = "https://git.example.com/demo/app-source";
    let person = json!({"name": DEVELOPER.name, "email": DEVELOPER.email, "username": "dana"});
    let head = json!({
        "id": commit.id,
        "tree_id": commit.tree,
        "distinct": true,
        "message": message,
        "timestamp": gitops_toolkit::object::time::format_rfc3339(commit.time),
        "url": format!("{html}/commit/{}", commit.id),
        "author": person,
        "committer": person,
        "added": [],
        "removed": [],
        "modified": modified,
    });
    json!({
        "ref": "refs/heads/main",
        "before": before.id,
        "after": commit.id,
        "repository": {
            "id": 4242,
            "node_id": "R_demo4242",
            "name": "app-source",
            "full_name": "demo/app-source",
            "private": false,
            "owner": {"name": "demo", "login": "demo", "type": "Organization"},
            "html_url": html,
            "url": html,
            "clone_url": file_url(repo_dir),
            "default_branch": "main",
            "master_branch": "main",
            "pushed_at": commit.time,
        },
        "pusher": {"name": "dana", "email": DEVELOPER.email},
        "sender": {"login": "dana", "id": 7, "type": "User"},
        "created": false,
        "deleted": false,
        "forced": false,
        "base_ref": null,
        "compare": format!("{html}/compare/{}...{}", short(&before.id), short(&commit.id)),
        "commits": [head.clone()],
        "head_commit": head,
    })
}

fn github_headers(delivery: &str, signature: &str) -> Headers {
    Headers::new()
        .with("Content-Type", "application/json")
        .with("User-Agent", "GitHub-Hookshot/demo")
        .with("X-GitHub-Event", "push")
        .with("X-GitHub-Delivery", delivery)
        .with("X-GitHub-Hook-ID", "4242")
        .with("X-Hub-Signature-256", signature)
}

/// `sha256=<hex>` HMAC of the body, as the git host signs it.
fn sign(secret: &[u8], body: &[u8]) -> Result<String, String> {
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).map_err(|e| e.to_string())?;
    mac.update(body);
    Ok(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// A UUID-shaped delivery id derived from the commit.
fn delivery_id(commit: &str) -> String {
    let h = |r: std::ops::Range<usize>| commit.get(r).unwrap_or("0");
    format!(
        "{}-{}-{}-{}-{}",
        h(0..8),
        h(8..12),
        h(12..16),
        h(16..20),
        h(20..32)
    )
}
