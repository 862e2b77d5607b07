//! The sink server on a real socket on 127.0.0.1: events in over HTTP, Tekton's answer
//! out, the host handler called with each result, bounds and graceful shutdown.
#![cfg(feature = "server")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trigger_bindings::server::{ServerConfig, SinkServer};
use trigger_bindings::{
    Limits, Listener, MemorySecretStore, Resources, Response, github_signature,
};

const YAML: &str = r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: ci, namespace: builds, uid: 0000-uid}
spec:
  triggers:
    - name: push
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: hook, secretKey: token}}
            - {name: eventTypes, value: [push]}
        - ref: {name: cel}
          params: [{name: filter, value: "requestURL.startsWith('/hooks')"}]
      bindings: [{name: rev, value: $(body.after)}]
      template:
        spec:
          params: [{name: rev}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec: {params: [{name: rev, value: $(tt.params.rev)}]}
"#;

fn listener(max_body: usize) -> Arc<Listener> {
    let resources = Resources::from_yaml("el.yaml", YAML).unwrap();
    let limits = Limits::default().max_body_bytes(max_body);
    Arc::new(Listener::new(
        &resources.event_listeners[0],
        &resources,
        Arc::new(MemorySecretStore::new().with("hook", "token", "s3cret")),
        limits,
    ))
}

/// One HTTP/1.1 request on a fresh connection: status and body.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // A refused body may be answered before it is all sent; the answer is what counts.
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn push(after: &str) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let body = format!(r#"{{"ref":"refs/heads/main","after":"{after}"}}"#).into_bytes();
    let headers = vec![
        ("X-GitHub-Event", "push".to_string()),
        ("Content-Type", "application/json".to_string()),
        ("X-Hub-Signature-256", github_signature(b"s3cret", &body)),
    ];
    (headers, body)
}

#[test]
fn an_event_over_http_is_answered_as_tekton_and_handed_to_the_host() {
    let seen: Arc<Mutex<Vec<Response>>> = Arc::default();
    let sink = {
        let seen = Arc::clone(&seen);
        SinkServer::start(
            "127.0.0.1:0",
            listener(1 << 20),
            Arc::new(move |r: &Response| seen.lock().unwrap().push(r.clone())),
            ServerConfig::default(),
            2,
        )
        .unwrap()
    };
    let (headers, body) = push("abc123");
    let (status, answer) = request(sink.local_addr(), "POST", "/hooks/ci", &headers, &body);
    assert_eq!(status, 202, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["eventListener"], "ci");
    assert_eq!(v["namespace"], "builds");
    assert_eq!(v["eventListenerUID"], "0000-uid");
    let event_id = v["eventID"].as_str().unwrap().to_string();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].event_id, event_id);
        let run = seen[0].resources().next().expect("the push trigger fired");
        assert_eq!(run["spec"]["params"][0]["value"], "abc123");
    }
    // The URL reaches CEL: another path is filtered out, yet the sink still answers 202.
    let (status, _) = request(sink.local_addr(), "POST", "/other", &headers, &body);
    assert_eq!(status, 202);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(!seen[1].triggers[0].accepted());
    drop(seen);
    sink.shutdown().unwrap();
}

#[test]
fn a_forged_signature_is_answered_but_creates_nothing() {
    let fired = Arc::new(AtomicUsize::new(0));
    let sink = {
        let fired = Arc::clone(&fired);
        SinkServer::start(
            "127.0.0.1:0",
            listener(1 << 20),
            Arc::new(move |r: &Response| {
                fired.fetch_add(r.resources().count(), Ordering::SeqCst);
            }),
            ServerConfig::default(),
            1,
        )
        .unwrap()
    };
    let (mut headers, body) = push("abc");
    headers[2].1 = github_signature(b"guess", &body);
    let (status, _) = request(sink.local_addr(), "POST", "/hooks", &headers, &body);
    assert_eq!(status, 202);
    assert_eq!(fired.load(Ordering::SeqCst), 0);
}

#[test]
fn bodies_over_the_limit_are_refused_with_413_and_health_answers_200() {
    let sink = SinkServer::start(
        "127.0.0.1:0",
        listener(1024),
        Arc::new(|_: &Response| {}),
        ServerConfig::default(),
        1,
    )
    .unwrap();
    let big = vec![b'x'; 64 * 1024];
    let (status, answer) = request(sink.local_addr(), "POST", "/", &[], &big);
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("over the limit of 1024 bytes"), "{answer}");
    assert_eq!(request(sink.local_addr(), "GET", "/live", &[], b"").0, 200);
    assert_eq!(request(sink.local_addr(), "GET", "/ready", &[], b"").0, 200);
}

#[test]
fn concurrent_clients_are_all_served_within_the_connection_bound() {
    let count = Arc::new(AtomicUsize::new(0));
    let sink = {
        let count = Arc::clone(&count);
        SinkServer::start(
            "127.0.0.1:0",
            listener(1 << 20),
            Arc::new(move |r: &Response| {
                count.fetch_add(r.resources().count(), Ordering::SeqCst);
            }),
            ServerConfig { max_connections: 4 },
            2,
        )
        .unwrap()
    };
    let addr = sink.local_addr();
    let clients: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let (headers, body) = push(&format!("rev{i}"));
                request(addr, "POST", "/hooks", &headers, &body).0
            })
        })
        .collect();
    for c in clients {
        assert_eq!(c.join().unwrap(), 202);
    }
    assert_eq!(count.load(Ordering::SeqCst), 16);
    sink.shutdown().unwrap();
    // Shut down: the port no longer accepts.
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
}

#[test]
fn shutdown_closes_idle_keep_alive_connections() {
    let sink = SinkServer::start(
        "127.0.0.1:0",
        listener(1 << 20),
        Arc::new(|_: &Response| {}),
        ServerConfig::default(),
        1,
    )
    .unwrap();
    let addr = sink.local_addr();
    // A keep-alive client that sends one request and then idles.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /live HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Shutdown must not wait for the idle client forever.
    let done = std::thread::spawn(move || sink.shutdown());
    done.join().unwrap().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(
        s.read(&mut buf).unwrap_or(0),
        0,
        "the idle connection is closed"
    );
}
