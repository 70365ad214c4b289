//! The baseline: a trivial axum handler (`GET /` → `"ok"`) served in-process, on its own thread
//! with its own multi-threaded tokio runtime, bound to `127.0.0.1:0`.

use anyhow::{anyhow, Context};
use axum::{routing::get, Router};
use std::{net::SocketAddr, sync::mpsc, thread, time::Duration};
use tokio::sync::oneshot;

/// A running trivial server; stops when [`TrivialServer::stop`] is called or it is dropped.
pub struct TrivialServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<anyhow::Result<()>>>,
}

impl TrivialServer {
    /// Starts the server with `threads` runtime workers (the number of CPUs when `None`).
    pub fn start(threads: Option<usize>) -> anyhow::Result<Self> {
        let (addr_tx, addr_rx) = mpsc::channel::<SocketAddr>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("trivial-server".into())
            .spawn(move || -> anyhow::Result<()> {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.enable_all().thread_name("trivial-worker");
                if let Some(n) = threads {
                    builder.worker_threads(n.max(1));
                }
                let rt = builder
                    .build()
                    .context("building the trivial server's runtime")?;
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
                    addr_tx
                        .send(listener.local_addr()?)
                        .map_err(|_| anyhow!("trivial server: caller went away"))?;
                    let app = Router::new().route("/", get(|| async { "ok" }));
                    tokio::select! {
                        res = axum::serve(listener, app) => res.context("trivial server failed")?,
                        _ = stop_rx => {}
                    }
                    anyhow::Ok(())
                })?;
                // Dropping the runtime here cancels any connection tasks still open.
                Ok(())
            })
            .context("spawning the trivial server thread")?;
        match addr_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(addr) => Ok(Self {
                addr,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Err(_) => {
                // The thread ended (or hangs) before binding: report its error if it has one.
                let err = if thread.is_finished() {
                    match thread.join() {
                        Ok(Err(e)) => e,
                        Ok(Ok(())) => anyhow!("trivial server stopped before binding"),
                        Err(_) => anyhow!("trivial server thread panicked"),
                    }
                } else {
                    anyhow!("trivial server did not bind within 10 s")
                };
                Err(err)
            }
        }
    }

    /// The bound address (`127.0.0.1:<ephemeral port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(thread::JoinHandle::join) {
            Some(Ok(res)) => res,
            Some(Err(_)) => Err(anyhow!("trivial server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for TrivialServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
