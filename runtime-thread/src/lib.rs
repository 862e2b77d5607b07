//! A tokio runtime on a thread of its own, for synchronous adapters over async clients.
//!
//! gitops-core's `KubeStore` and pipeline-core's `KubePodExecutor` (feature `kube` of each)
//! implement synchronous traits (`ClusterStore`, `TaskExecutor`) over kube-rs, which is
//! async. Both hold a [`RuntimeThread`]: a current-thread tokio runtime driven by a
//! dedicated thread. [`RuntimeThread::run`] spawns a future onto it and blocks the calling
//! thread on a channel until the output comes back.
//!
//! What it does not do: it never calls `block_on` on the caller's thread, so it does not
//! panic ("Cannot start a runtime from within a runtime") when the caller is inside a tokio
//! runtime. From async code, call the synchronous adapter through
//! `tokio::task::spawn_blocking`, so that the blocked thread is not a runtime worker.
//!
//! The runtime thread stops, and is joined, when the [`RuntimeThread`] is dropped; tasks
//! still running on it are dropped with the runtime.
//!
//! ```
//! use runtime_thread::RuntimeThread;
//!
//! let rt = RuntimeThread::new("example").unwrap();
//! let answer = rt.run(async { 6 * 7 }).unwrap();
//! assert_eq!(answer, 42);
//! ```

use std::future::Future;

/// The runtime thread is gone (it stopped, or the future panicked on it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the runtime thread {name:?} stopped before answering")]
#[non_exhaustive]
pub struct Stopped {
    /// The thread's name, as given to [`RuntimeThread::new`].
    pub name: String,
}

/// A current-thread tokio runtime (I/O and time enabled) driven by a thread of its own.
pub struct RuntimeThread {
    name: String,
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for RuntimeThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeThread")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RuntimeThread {
    /// Starts the runtime on a new thread called `name`.
    ///
    /// # Errors
    /// The runtime could not be built or the thread could not be spawned.
    pub fn new(name: &str) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(RuntimeThread {
            name: name.to_string(),
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `fut` on the runtime thread and blocks the calling thread until it completes.
    ///
    /// # Errors
    /// [`Stopped`] when the runtime thread ended before the future did (the future panicked,
    /// or the runtime is shutting down).
    pub fn run<F>(&self, fut: F) -> Result<F::Output, Stopped>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| Stopped {
            name: self.name.clone(),
        })
    }

    /// Sleeps on the runtime's clock (a pause between polls that stays within the runtime).
    ///
    /// # Errors
    /// [`Stopped`], as [`RuntimeThread::run`].
    pub fn sleep(&self, d: std::time::Duration) -> Result<(), Stopped> {
        // The timer is created on the runtime thread: outside a runtime it would panic.
        self.run(async move { tokio::time::sleep(d).await })
    }

    /// The runtime's handle, for background tasks (a watch) that outlive one call; they
    /// stop when the [`RuntimeThread`] is dropped.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }
}

impl Drop for RuntimeThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            // Dropped from the runtime thread itself (a task holding the last owner):
            // joining would wait for ourselves.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_that_need_the_runtimes_timer() {
        let rt = RuntimeThread::new("test-timer").unwrap();
        rt.sleep(std::time::Duration::from_millis(1)).unwrap();
        let v = rt
            .run(async {
                tokio::task::yield_now().await;
                "done"
            })
            .unwrap();
        assert_eq!(v, "done");
    }

    #[test]
    fn works_when_called_from_inside_another_tokio_runtime() {
        let rt = RuntimeThread::new("test-nested").unwrap();
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // Handle::block_on here would panic; run() blocks on a channel instead.
        let got = outer.block_on(async { rt.run(async { 1 + 1 }) });
        assert_eq!(got, Ok(2));
    }

    #[test]
    fn a_panicking_future_is_stopped_not_a_hang() {
        let rt = RuntimeThread::new("test-panic").unwrap();
        #[allow(clippy::panic)]
        let got = rt.run(async { panic!("boom") });
        assert_eq!(
            got,
            Err::<(), _>(Stopped {
                name: "test-panic".into()
            })
        );
        // The runtime survives a task's panic.
        assert_eq!(rt.run(async { 3 }), Ok(3));
    }
}
