//! Integration test against a real registry process: Debian's `docker-registry` (v2.8) on
//! 127.0.0.1 with storage in a temp dir. Skipped with a notice when the binary is missing,
//! unless `CI` is set.
#![cfg(feature = "oci")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use image_policy::oci::{Auth, RegistryLister};
use image_policy::{Policy, TagLister};

const BINARY: &str = "/usr/bin/docker-registry";

struct Registry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<PathBuf> {
    let path = PathBuf::from(BINARY);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{BINARY} is missing and CI is set: install the docker-registry package");
    }
    println!("skipping registry test: {BINARY} not found (install the docker-registry package)");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /v2/` answers (200, or 401 with auth) once the registry is up.
fn answers(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(format!("GET /v2/ HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    let status = head.split_whitespace().nth(1).unwrap_or("");
    head.starts_with("HTTP/") && (status == "200" || status == "401")
}

fn start(binary: &Path, htpasswd: Option<&str>) -> Registry {
    start_with(binary, |dir| match htpasswd {
        Some(line) => {
            let file = dir.join("htpasswd");
            std::fs::write(&file, line).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            )
        }
        None => String::new(),
    })
}

/// Starts a registry whose configuration ends with `auth(dir)` (an `auth:` section or
/// nothing; `dir` is the registry's temp dir, for the files the section names).
fn start_with(binary: &Path, auth: impl FnOnce(&Path) -> String) -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
        dir.path().join("data").display()
    );
    config.push_str(&auth(dir.path()));
    let config_path = dir.path().join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
    let child = Command::new(binary)
        .arg("serve")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let registry = Registry {
        child,
        addr,
        _dir: dir,
    };
    for _ in 0..200 {
        if answers(&registry.addr) {
            return registry;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log =
        std::fs::read_to_string(registry._dir.path().join("registry.log")).unwrap_or_default();
    panic!(
        "registry on {} did not answer /v2/ within 10s; log:\n{log}",
        registry.addr
    );
}

fn htpasswd_line(user: &str, password: &str) -> String {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .output()
        .expect("htpasswd (apache2-utils) is needed");
    assert!(out.status.success(), "htpasswd failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn lists_pushed_tags_and_selects_with_a_policy() {
    let Some(binary) = binary() else { return };
    let registry = start(&binary, None);
    let repo = format!("{}/team/app", registry.addr);
    let client =
        RegistryLister::new(Auth::Anonymous, std::slice::from_ref(&registry.addr)).unwrap();
    let mut digests = Vec::new();
    for (i, tag) in ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest", "0.9.0"]
        .iter()
        .enumerate()
    {
        let layer = format!("layer {i}");
        digests.push((
            tag.to_string(),
            client.push(&repo, tag, b"{}", layer.as_bytes()).unwrap(),
        ));
    }
    let mut tags = client.list_tags(&repo).unwrap();
    tags.sort();
    assert_eq!(tags, ["0.9.0", "1.0.0", "1.1.0", "2.0.0-rc.1", "latest"]);

    // Paging with a small page size still yields every tag exactly once.
    let paged = RegistryLister::new(Auth::Anonymous, std::slice::from_ref(&registry.addr))
        .unwrap()
        .with_page_size(2);
    let mut paged_tags = paged.list_tags(&repo).unwrap();
    paged_tags.sort();
    assert_eq!(paged_tags, tags);

    let chosen = Policy::semver(">=1.0.0").unwrap().select(&tags).unwrap();
    assert_eq!(chosen.as_deref(), Some("1.1.0"));
    let want = digests
        .iter()
        .find(|(t, _)| t == "1.1.0")
        .map(|(_, d)| d.clone());
    assert_eq!(client.digest(&repo, "1.1.0").unwrap(), want);
    assert!(
        client
            .list_tags(&format!("{}/team/missing", registry.addr))
            .is_err()
    );
}

#[test]
fn basic_auth() {
    let Some(binary) = binary() else { return };
    let registry = start(&binary, Some(&htpasswd_line("ci", "s3cret")));
    let repo = format!("{}/secure/app", registry.addr);
    let insecure = [registry.addr.clone()];
    let user = RegistryLister::new(
        Auth::Basic {
            username: "ci".into(),
            password: "s3cret".into(),
        },
        &insecure,
    )
    .unwrap();
    user.push(&repo, "3.1.4", b"{}", b"pi").unwrap();
    user.push(&repo, "3.2.0", b"{}", b"next").unwrap();
    let tags = user.list_tags(&repo).unwrap();
    assert_eq!(
        Policy::semver("~3.1")
            .unwrap()
            .select(&tags)
            .unwrap()
            .as_deref(),
        Some("3.1.4")
    );

    let anonymous = RegistryLister::new(Auth::Anonymous, &insecure).unwrap();
    assert!(
        anonymous.list_tags(&repo).is_err(),
        "anonymous listing must be refused"
    );
    let wrong = RegistryLister::new(
        Auth::Basic {
            username: "ci".into(),
            password: "nope".into(),
        },
        &insecure,
    )
    .unwrap();
    assert!(
        wrong.list_tags(&repo).is_err(),
        "a wrong password must be refused"
    );
}

/// Runs `openssl` (present wherever `ca-certificates` is installed) with `args`.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command is needed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Unpadded base64url (RFC 7515).
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// A token issuer: a self-signed RSA certificate the registry trusts, and RS256 tokens
/// carrying the certificate in their `x5c` header.
struct Issuer {
    dir: tempfile::TempDir,
    cert_der_b64: String,
}

const ISSUER: &str = "image-policy-test-issuer";
const SERVICE: &str = "image-policy-test-registry";

impl Issuer {
    fn new() -> Issuer {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let cert = dir.path().join("cert.pem");
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=image-policy test issuer",
            "-days",
            "2",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ]);
        // The PEM body is the certificate's DER in standard base64, which `x5c` wants.
        let cert_der_b64: String = std::fs::read_to_string(&cert)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        Issuer { dir, cert_der_b64 }
    }

    fn cert_path(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// A token granting `actions` on `repository`.
    fn token(&self, repository: &str, actions: &[&str]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [self.cert_der_b64]});
        let claims = serde_json::json!({
            "iss": ISSUER, "sub": "ci", "aud": SERVICE,
            "exp": now + 600, "nbf": now - 30, "iat": now - 30, "jti": format!("{repository}-{now}"),
            "access": [{"type": "repository", "name": repository, "actions": actions}],
        });
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let file = self.dir.path().join("input");
        std::fs::write(&file, &input).unwrap();
        let key = self.dir.path().join("key.pem");
        let signature = openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        format!("{input}.{}", b64url(&signature))
    }
}

#[test]
fn base64url_encoding() {
    assert_eq!(b64url(b""), "");
    assert_eq!(b64url(b"f"), "Zg");
    assert_eq!(b64url(b"fo"), "Zm8");
    assert_eq!(b64url(b"foo"), "Zm9v");
    assert_eq!(b64url(b"foob"), "Zm9vYg");
    assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn bearer_token_auth() {
    let Some(binary) = binary() else { return };
    let issuer = Issuer::new();
    // Nothing listens on the realm: a client without a token cannot get one.
    let realm = format!("http://127.0.0.1:{}/token", free_port());
    let token_config = format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
        issuer.cert_path().display()
    );
    let registry = start_with(&binary, |_| token_config);
    let insecure = [registry.addr.clone()];
    let repo = format!("{}/secure/app", registry.addr);

    let writer = RegistryLister::new(
        Auth::Bearer(issuer.token("secure/app", &["pull", "push"])),
        &insecure,
    )
    .unwrap();
    writer.push(&repo, "1.4.0", b"{}", b"one").unwrap();
    writer.push(&repo, "1.5.0-rc.1", b"{}", b"two").unwrap();
    writer.push(&repo, "1.4.1", b"{}", b"three").unwrap();

    let reader = RegistryLister::new(
        Auth::Bearer(issuer.token("secure/app", &["pull"])),
        &insecure,
    )
    .unwrap();
    let mut tags = reader.list_tags(&repo).unwrap();
    tags.sort();
    assert_eq!(tags, ["1.4.0", "1.4.1", "1.5.0-rc.1"]);
    let chosen = Policy::semver("^1.4").unwrap().select(&tags).unwrap();
    assert_eq!(chosen.as_deref(), Some("1.4.1"));
    assert!(reader.digest(&repo, "1.4.1").unwrap().is_some());

    // A token for another repository, a token from an untrusted issuer and no token at all
    // are refused.
    let other = RegistryLister::new(
        Auth::Bearer(issuer.token("other/app", &["pull"])),
        &insecure,
    )
    .unwrap();
    assert!(other.list_tags(&repo).is_err(), "wrong repository in token");
    let stranger = RegistryLister::new(
        Auth::Bearer(Issuer::new().token("secure/app", &["pull"])),
        &insecure,
    )
    .unwrap();
    assert!(stranger.list_tags(&repo).is_err(), "untrusted issuer");
    let anonymous = RegistryLister::new(Auth::Anonymous, &insecure).unwrap();
    assert!(anonymous.list_tags(&repo).is_err(), "anonymous");
}
