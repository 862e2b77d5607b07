//! An EventListener served over HTTP, as Tekton's sink serves it (feature `server`).
//!
//! Every request to any path but `/live` and `/ready` is an event: its headers, body and
//! URL go through [`Listener::process`], the host's [`AcceptedHandler`] gets the
//! [`Response`] (to create the rendered resources, e.g. start the pipeline runner), and
//! the client gets Tekton's answer: `202 Accepted` with
//! `{"eventListener","namespace","eventListenerUID","eventID"}`. `/live` and `/ready`
//! answer `200`.
//!
//! Bounds: a body over the listener's `max_body_bytes` is answered `413` without being
//! read further; at most [`ServerConfig::max_connections`] connections are served at once
//! (further ones wait in the kernel's backlog); headers are limited by hyper (100 headers,
//! about 400 KiB). Shutdown is graceful: no new connection is accepted, in-flight requests
//! finish, idle keep-alive connections close.
//!
//! Flux `Receiver`s can be served on the same port ([`Routes::receivers`]): requests under
//! `/hook/` go to them and are answered with the receiver server's status (200, 400, 404,
//! 413, 500, 503) and an empty body, as upstream answers.
//!
//! The conversions from the `http` crate's types ([`event_from_parts`]) are public, so a
//! host with its own server (axum, actix) can hand requests to a [`Listener`] the same way.

use crate::event::{Event, Headers};
use crate::listener::{Listener, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What the host does with each processed event (runs after processing, before the
/// answer is sent).
pub trait AcceptedHandler: Send + Sync {
    /// Called once per event with every trigger's result.
    fn handle(&self, response: &Response);
}

impl<F: Fn(&Response) + Send + Sync> AcceptedHandler for F {
    fn handle(&self, response: &Response) {
        self(response)
    }
}

/// Server bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// Connections served at once (default 256).
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            max_connections: 256,
        }
    }
}

/// The event a request carries: every header (names as sent, repeated ones kept), the
/// body, and the path with its query as the URL (what `requestURL` holds in CEL).
pub fn event_from_parts(parts: &http::request::Parts, body: Vec<u8>) -> Event {
    let mut headers = Headers::new();
    for (name, value) in &parts.headers {
        headers.append(
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes()).as_ref(),
        );
    }
    let url = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    Event::new(headers, body).with_url(url)
}

/// Flux receivers served beside the listener, under `/hook/`.
pub struct FluxReceivers {
    /// The receivers.
    pub receivers: crate::receiver::Receivers,
    /// Where their tokens are (key `token` of each `secretRef`).
    pub secrets: Arc<dyn crate::secrets::SecretStore>,
    /// Called with every outcome (the host reconciles the requested objects).
    pub handler: Arc<dyn Fn(&crate::receiver::ReceiverOutcome) + Send + Sync>,
}

/// What a server answers: the EventListener, and optionally Flux receivers.
#[derive(Clone)]
pub struct Routes {
    /// The EventListener every other path goes to.
    pub listener: Arc<Listener>,
    /// What the host does with each processed event.
    pub handler: Arc<dyn AcceptedHandler>,
    /// Flux receivers under `/hook/`, if any.
    pub receivers: Option<Arc<FluxReceivers>>,
}

type Answer = hyper::Response<Full<Bytes>>;

fn answer(status: u16, content_type: &str, body: String) -> Answer {
    let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

async fn handle_request(
    req: hyper::Request<Incoming>,
    routes: Routes,
) -> Result<Answer, std::convert::Infallible> {
    let path = req.uri().path();
    if path == "/live" || path == "/ready" {
        return Ok(answer(200, "text/plain", "ok\n".into()));
    }
    if let Some(flux) = &routes.receivers
        && path.starts_with(crate::receiver::WEBHOOK_PATH_PREFIX)
    {
        return Ok(receive(req, Arc::clone(flux)).await);
    }
    let Routes {
        listener, handler, ..
    } = routes;
    let max = listener.limits().max_body_bytes;
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, max).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => {
            let status = if e.is::<http_body_util::LengthLimitError>() {
                413
            } else {
                400
            };
            let message = if status == 413 {
                format!("request body over the limit of {max} bytes")
            } else {
                format!("error reading event body: {e}")
            };
            return Ok(answer(
                status,
                "application/json",
                format!("{}\n", serde_json::json!({ "errorMessage": message })),
            ));
        }
    };
    let event = event_from_parts(&parts, bytes);
    let processed = tokio::task::spawn_blocking(move || {
        let response = listener.process(&event);
        handler.handle(&response);
        (response.http_status(), response.sink_body(&listener))
    })
    .await;
    Ok(match processed {
        Ok((status, body)) => answer(status, "application/json", body),
        Err(e) => answer(
            500,
            "application/json",
            format!(
                "{}\n",
                serde_json::json!({ "errorMessage": format!("processing failed: {e}") })
            ),
        ),
    })
}

/// A request under `/hook/`: the receiver server's status, an empty body.
async fn receive(req: hyper::Request<Incoming>, flux: Arc<FluxReceivers>) -> Answer {
    let max = crate::receiver::MAX_RECEIVER_BODY_BYTES;
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, max).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => {
            let status = if e.is::<http_body_util::LengthLimitError>() {
                413
            } else {
                400
            };
            return answer(status, "text/plain", String::new());
        }
    };
    let event = event_from_parts(&parts, bytes);
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let status = tokio::task::spawn_blocking(move || {
        let outcome =
            flux.receivers
                .handle(&uri, &event.headers, &event.body, flux.secrets.as_ref());
        (flux.handler)(&outcome);
        outcome.status
    })
    .await
    .unwrap_or(500);
    answer(status, "text/plain", String::new())
}

/// Serves `routes` on `tcp` until `shutdown` completes, then shuts down gracefully.
pub async fn serve(
    tcp: tokio::net::TcpListener,
    routes: Routes,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(a) => a,
                // A failed accept (out of descriptors, a reset) ends that connection only.
                Err(_) => continue,
            },
            () = &mut shutdown => break,
        };
        let routes = routes.clone();
        let service = service_fn(move |req| handle_request(req, routes.clone()));
        let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(tcp);
    graceful.shutdown().await;
    Ok(())
}

/// A sink running on its own threads: start it, read its address, shut it down.
pub struct SinkServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl std::fmt::Debug for SinkServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SinkServer {
    /// Binds `addr` (e.g. `127.0.0.1:0`) and serves `listener` on a runtime of `workers`
    /// threads (at least 1) until [`SinkServer::shutdown`].
    pub fn start(
        addr: impl ToSocketAddrs,
        listener: Arc<Listener>,
        handler: Arc<dyn AcceptedHandler>,
        config: ServerConfig,
        workers: usize,
    ) -> io::Result<SinkServer> {
        let routes = Routes {
            listener,
            handler,
            receivers: None,
        };
        SinkServer::start_routes(addr, routes, config, workers)
    }

    /// As [`SinkServer::start`], with Flux receivers too.
    pub fn start_routes(
        addr: impl ToSocketAddrs,
        routes: Routes,
        config: ServerConfig,
        workers: usize,
    ) -> io::Result<SinkServer> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .enable_io()
            .thread_name("trigger-sink")
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("trigger-sink".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let tcp = tokio::net::TcpListener::from_std(std_listener)?;
                    serve(tcp, routes, config, async move {
                        let _ = stopped.await;
                    })
                    .await
                })
            })?;
        Ok(SinkServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| io::Error::other("the sink server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for SinkServer {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
