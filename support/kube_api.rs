//! A real Kubernetes API server for tests: etcd + kube-apiserver on free 127.0.0.1 ports,
//! throwaway certificates (openssl), static bearer tokens, our own test CRDs. Included by
//! each crate's `tests/kube_api*.rs` with
//! `#[path = "../../support/kube_api.rs"] mod kube_api;`.
//!
//! Binaries: `GITOPS_KUBE_APISERVER` and `GITOPS_ETCD` (paths), else `kube-apiserver` and
//! `etcd` on `PATH` (`.ci/run` builds and exports them). Absent binaries: [`shared`] prints
//! a notice and returns `None` (the test passes as skipped), except under `CI` or
//! `GITOPS_REQUIRE_KUBE=1`, where it fails.
//!
//! One server is started per test binary and shared by its tests (each uses its own
//! namespace). Both processes run under a small `sh` watchdog that reads its stdin: when the
//! test process ends, for whatever reason, the pipe closes and the watchdog kills them and
//! removes the temporary directory.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The admin (system:masters) bearer token.
pub const ADMIN_TOKEN: &str = "gitops-admin-token";
/// A user with no RBAC grants at all (every request is 403).
pub const NOBODY_TOKEN: &str = "gitops-nobody-token";

/// Our Flux-like test CRD: `Kustomization` in `kustomize.toolkit.fluxcd.io`, namespaced,
/// with a status subresource and free-form spec and status.
pub const KUSTOMIZATION_CRD: &str = r#"{
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "kustomizations.kustomize.toolkit.fluxcd.io"},
  "spec": {
    "group": "kustomize.toolkit.fluxcd.io",
    "names": {"kind": "Kustomization", "listKind": "KustomizationList",
              "plural": "kustomizations", "singular": "kustomization", "shortNames": ["ks"]},
    "scope": "Namespaced",
    "versions": [{
      "name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
      }}}
    }]
  }
}"#;

/// A namespaced test CRD with a status subresource and free-form spec and status.
fn test_crd(group: &str, kind: &str, plural: &str, version: &str) -> serde_json::Value {
    let preserve =
        serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
    serde_json::json!({
      "apiVersion": "apiextensions.k8s.io/v1",
      "kind": "CustomResourceDefinition",
      "metadata": {"name": format!("{plural}.{group}")},
      "spec": {
        "group": group,
        "names": {"kind": kind, "listKind": format!("{kind}List"), "plural": plural,
                  "singular": kind.to_ascii_lowercase()},
        "scope": "Namespaced",
        "versions": [{
          "name": version, "served": true, "storage": true,
          "subresources": {"status": {}},
          "schema": {"openAPIV3Schema": {"type": "object", "properties": {
            "spec": preserve, "status": preserve
          }}}
        }]
      }
    })
}

/// Every test CRD: our Flux-like `Kustomization` ([`KUSTOMIZATION_CRD`]) and
/// `GitRepository` (`source.toolkit.fluxcd.io/v1`), and Tekton-like `Pipeline`, `Task`
/// and `PipelineRun` (`tekton.dev/v1`), all free-form.
pub fn test_crds() -> Vec<serde_json::Value> {
    vec![
        serde_json::from_str(KUSTOMIZATION_CRD).expect("the Kustomization CRD parses"),
        test_crd(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "gitrepositories",
            "v1",
        ),
        test_crd("tekton.dev", "Pipeline", "pipelines", "v1"),
        test_crd("tekton.dev", "Task", "tasks", "v1"),
        test_crd("tekton.dev", "PipelineRun", "pipelineruns", "v1"),
    ]
}

/// A running API server.
pub struct KubeApi {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// A kubeconfig with the admin token (also usable by `kubectl --kubeconfig`).
    pub kubeconfig: PathBuf,
    /// A kubeconfig for [`NOBODY_TOKEN`].
    pub nobody_kubeconfig: PathBuf,
    /// The temporary directory (removed by the watchdog).
    pub dir: PathBuf,
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

impl Drop for KubeApi {
    fn drop(&mut self) {
        if let Ok(mut g) = self.watchdog.lock()
            && let Some((mut child, stdin)) = g.take()
        {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("GITOPS_REQUIRE_KUBE").is_ok_and(|v| v == "1")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn binary(env: &str, name: &str) -> Option<PathBuf> {
    match std::env::var_os(env) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        _ => on_path(name),
    }
}

/// Where the binaries are, or why not.
pub fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let api = binary("GITOPS_KUBE_APISERVER", "kube-apiserver");
    let etcd = binary("GITOPS_ETCD", "etcd");
    match (api, etcd) {
        (Some(a), Some(e)) => Ok((a, e)),
        (a, e) => Err(format!(
            "kube-apiserver {}, etcd {} (set GITOPS_KUBE_APISERVER / GITOPS_ETCD or run .ci/run)",
            if a.is_some() { "found" } else { "missing" },
            if e.is_some() { "found" } else { "missing" },
        )),
    }
}

/// The shared API server of this test binary; `None` (after a printed notice) when the
/// binaries are absent and neither `CI` nor `GITOPS_REQUIRE_KUBE=1` is set.
pub fn shared() -> Option<&'static KubeApi> {
    static API: OnceLock<Result<KubeApi, String>> = OnceLock::new();
    match API.get_or_init(start) {
        Ok(api) => Some(api),
        Err(why) if why.starts_with("absent:") && !required() => {
            eprintln!("notice: kube_api tests skipped: {why}");
            None
        }
        Err(why) => panic!("the test API server is required here: {why}"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn certificates(dir: &Path) -> Result<(), String> {
    std::fs::write(
        dir.join("san.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n",
    )
    .map_err(|e| e.to_string())?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=gitops-test-ca",
    ]);
    openssl(dir, &ca)?;
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=kube-apiserver",
    ]);
    openssl(dir, &csr)?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.cnf",
        ],
    )?;
    openssl(dir, &["genrsa", "-out", "sa.key", "2048"])?;
    openssl(dir, &["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"])?;
    Ok(())
}

fn kubeconfig(dir: &Path, file: &str, url: &str, token: &str) -> Result<PathBuf, String> {
    let path = dir.join(file);
    let ca = dir.join("ca.crt");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {url}\n    certificate-authority: {ca}\nusers:\n- name: user\n  user:\n    token: {token}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: user\n    namespace: default\ncurrent-context: test\n",
        ca = ca.display()
    );
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

const WATCHDOG: &str = r#"
"$ETCD" --name default --data-dir "$D/etcd" \
  --listen-client-urls "http://127.0.0.1:$EP" --advertise-client-urls "http://127.0.0.1:$EP" \
  --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "default=http://127.0.0.1:$PP" >"$D/etcd.log" 2>&1 &
e=$!
"$APISERVER" --etcd-servers "http://127.0.0.1:$EP" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$AP" \
  --tls-cert-file "$D/server.crt" --tls-private-key-file "$D/server.key" --cert-dir "$D/certs" \
  --token-auth-file "$D/tokens.csv" --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$D/sa.pub" --service-account-signing-key-file "$D/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
  --disable-admission-plugins ServiceAccount --enable-priority-and-fairness=false \
  >"$D/apiserver.log" 2>&1 &
a=$!
read _ignored
kill $a 2>/dev/null; wait $a 2>/dev/null
kill $e 2>/dev/null; wait $e 2>/dev/null
rm -rf "$D"
"#;

fn tail(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn start() -> Result<KubeApi, String> {
    let (apiserver, etcd) = binaries().map_err(|e| format!("absent: {e}"))?;
    let dir = std::env::temp_dir().join(format!(
        "gitops-kube-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    certificates(&dir)?;
    std::fs::write(
        dir.join("tokens.csv"),
        format!("{ADMIN_TOKEN},admin,1,\"system:masters\"\n{NOBODY_TOKEN},nobody,2\n"),
    )
    .map_err(|e| e.to_string())?;
    let (ep, pp, ap) = (free_port(), free_port(), free_port());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .env("ETCD", &etcd)
        .env("APISERVER", &apiserver)
        .env("D", &dir)
        .env("EP", ep.to_string())
        .env("PP", pp.to_string())
        .env("AP", ap.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the watchdog: {e}"))?;
    let stdin = child.stdin.take().ok_or("no watchdog stdin")?;
    let url = format!("https://127.0.0.1:{ap}");
    let api = KubeApi {
        kubeconfig: kubeconfig(&dir, "admin.kubeconfig", &url, ADMIN_TOKEN)?,
        nobody_kubeconfig: kubeconfig(&dir, "nobody.kubeconfig", &url, NOBODY_TOKEN)?,
        url,
        dir: dir.clone(),
        watchdog: Mutex::new(Some((child, stdin))),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let kc = api.kubeconfig.clone();
    rt.block_on(async move { ready_and_install(&kc).await })
        .map_err(|e| {
            format!(
                "{e}\n--- etcd.log\n{}\n--- apiserver.log\n{}",
                tail(&dir.join("etcd.log")),
                tail(&dir.join("apiserver.log"))
            )
        })?;
    Ok(api)
}

/// A kube-rs client for a kubeconfig file.
pub async fn client(kubeconfig: &Path) -> Result<kube::Client, String> {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).map_err(|e| e.to_string())?;
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    kube::Client::try_from(cfg).map_err(|e| e.to_string())
}

async fn ready_and_install(kubeconfig: &Path) -> Result<(), String> {
    let client = client(kubeconfig).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let req = http::Request::get("/readyz")
            .body(Vec::new())
            .map_err(|e| e.to_string())?;
        match client.request_text(req).await {
            Ok(body) if body.trim() == "ok" => break,
            Ok(_) | Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(body) => return Err(format!("/readyz answered {body:?}")),
            Err(e) => return Err(format!("/readyz: {e}")),
        }
    }
    let ar = kube::discovery::ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
    };
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(client, &ar);
    let crds = test_crds();
    for crd in &crds {
        let name = crd["metadata"]["name"].as_str().unwrap_or_default();
        api.patch(
            name,
            &kube::api::PatchParams::apply("gitops-test-harness").force(),
            &kube::api::Patch::Apply(crd),
        )
        .await
        .map_err(|e| format!("installing the test CRD {name}: {e}"))?;
    }
    for crd in &crds {
        let name = crd["metadata"]["name"].as_str().unwrap_or_default();
        loop {
            let o = api.get(name).await.map_err(|e| e.to_string())?;
            let v = serde_json::to_value(o).map_err(|e| e.to_string())?;
            let ok = v["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
            if ok {
                break;
            }
            if Instant::now() >= deadline {
                return Err(format!("the test CRD {name} never became Established"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}
