//! A bounded load test of the sink server on 127.0.0.1: N clients, each on one keep-alive
//! connection, send M signed GitHub pushes; prints events per second and latency
//! percentiles. With `--against HOST:PORT` it drives another receiver instead (the Python
//! baseline, `benches/triggers_sink_baseline.py`) with the same requests.
//!
//! ```text
//! python3 benches/triggers_sink_baseline.py --payload /tmp/push.json
//! cargo run --release -p trigger-bindings --features server --example sink_load -- \
//!     benches/triggers_listener.yaml /tmp/push.json [--clients 8] [--requests 2000] [--against 127.0.0.1:PORT]
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use trigger_bindings::server::{ServerConfig, SinkServer};
use trigger_bindings::{Listener, MemorySecretStore, Response, github_signature};

const USAGE: &str = "usage: sink_load LISTENER.yaml BODY [--clients N] [--requests M] [--workers W] [--against HOST:PORT]";

fn main() -> Result<(), String> {
    let mut positional = Vec::new();
    let (mut clients, mut requests, mut workers, mut against) = (8usize, 2000usize, 2usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--clients" => clients = value("--clients")?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => requests = value("--requests")?.parse().map_err(|e| format!("{e}"))?,
            "--workers" => workers = value("--workers")?.parse().map_err(|e| format!("{e}"))?,
            "--against" => against = Some(value("--against")?),
            _ => positional.push(a),
        }
    }
    let [yaml_path, body_path] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    let yaml = std::fs::read_to_string(yaml_path).map_err(|e| format!("{yaml_path}: {e}"))?;
    let body = std::fs::read(body_path).map_err(|e| format!("{body_path}: {e}"))?;
    let fired = Arc::new(AtomicUsize::new(0));
    let (addr, server) = match &against {
        Some(a) => (
            a.parse::<SocketAddr>().map_err(|e| format!("{a}: {e}"))?,
            None,
        ),
        None => {
            let secrets = MemorySecretStore::new().with("github-secret", "secretToken", "s3cret");
            let listener =
                Listener::from_yaml(yaml_path, &yaml, secrets).map_err(|e| e.to_string())?;
            let counter = Arc::clone(&fired);
            let handler = move |r: &Response| {
                counter.fetch_add(r.resources().count(), Ordering::Relaxed);
            };
            let s = SinkServer::start(
                "127.0.0.1:0",
                Arc::new(listener),
                Arc::new(handler),
                ServerConfig::default(),
                workers,
            )
            .map_err(|e| e.to_string())?;
            (s.local_addr(), Some(s))
        }
    };
    let head = format!(
        "POST /hooks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958\r\nX-Hub-Signature-256: {}\r\nUser-Agent: GitHub-Hookshot/044aadd\r\nContent-Length: {}\r\n\r\n",
        github_signature(b"s3cret", &body),
        body.len()
    );
    let request: Arc<Vec<u8>> = Arc::new([head.as_bytes(), &body].concat());
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let request = Arc::clone(&request);
            std::thread::spawn(move || client(addr, &request, requests))
        })
        .collect();
    let mut latencies = Vec::with_capacity(clients * requests);
    for t in threads {
        latencies.extend(t.join().map_err(|_| "a client panicked".to_string())??);
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(i).copied().unwrap_or_default()
    };
    let n = latencies.len();
    println!(
        "{} events ({clients} clients x {requests}, body {} bytes) in {:.2} s: {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms{}",
        n,
        body.len(),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0)),
        match &server {
            Some(_) => format!(", {} PipelineRuns rendered", fired.load(Ordering::Relaxed)),
            None => String::new(),
        }
    );
    if let Some(s) = server {
        s.shutdown().map_err(|e| e.to_string())?;
        if fired.load(Ordering::Relaxed) != n {
            return Err("not every event rendered its PipelineRun".into());
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One keep-alive connection sending `count` requests, each answered before the next.
fn client(addr: SocketAddr, request: &[u8], count: usize) -> Result<Vec<Duration>, String> {
    let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut out = Vec::with_capacity(count);
    let mut line = String::new();
    for _ in 0..count {
        let t = Instant::now();
        writer.write_all(request).map_err(|e| e.to_string())?;
        let mut length = 0usize;
        let mut status = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("the server closed the connection".into());
            }
            if status.is_empty() {
                status = line.trim().to_string();
            }
            let l = line.to_ascii_lowercase();
            if let Some(v) = l.strip_prefix("content-length:") {
                length = v.trim().parse().map_err(|e| format!("{e}"))?;
            }
            if line == "\r\n" {
                break;
            }
        }
        if !status.contains(" 202") {
            return Err(format!("unexpected answer {status:?}"));
        }
        let mut answer = vec![0u8; length];
        reader.read_exact(&mut answer).map_err(|e| e.to_string())?;
        out.push(t.elapsed());
    }
    Ok(out)
}
