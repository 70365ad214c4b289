//! A counting TCP proxy in front of PostgreSQL, for the exam-day benchmark's "database round
//! trips per request": it forwards every byte unchanged and counts the frontend messages that
//! each end a round trip — Sync (`S`, the end of an extended-protocol query, one per sqlx
//! statement) and Query (`Q`, a simple-protocol statement such as BEGIN or COMMIT). The count
//! is written to `--out` every 200 ms.
//!
//! `pgcount --listen 127.0.0.1:15432 --upstream 127.0.0.1:5432 --out FILE` (plain connections
//! only: `sslmode=disable`).

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

fn arg(name: &str) -> anyhow::Result<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .ok_or_else(|| anyhow::anyhow!("{name} is required"))
}

/// Counts round-trip-ending messages in the client's stream; the first message (startup) has
/// no type byte.
struct Counter {
    startup: bool,
    /// Bytes still to skip of the current message's body.
    skip: usize,
    /// The header being read (type + 4-byte length, or 4-byte length at startup).
    header: Vec<u8>,
}

impl Counter {
    fn feed(&mut self, mut buf: &[u8], trips: &AtomicU64) {
        while !buf.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(buf.len());
                self.skip -= n;
                buf = &buf[n..];
                continue;
            }
            let want = if self.startup { 4 } else { 5 };
            let n = (want - self.header.len()).min(buf.len());
            self.header.extend_from_slice(&buf[..n]);
            buf = &buf[n..];
            if self.header.len() < want {
                continue;
            }
            let len_bytes: [u8; 4] = self.header[want - 4..want].try_into().unwrap_or([0; 4]);
            let len = u32::from_be_bytes(len_bytes) as usize;
            if !self.startup && matches!(self.header[0], b'S' | b'Q') {
                trips.fetch_add(1, Ordering::Relaxed);
            }
            self.skip = len.saturating_sub(4);
            self.startup = false;
            self.header.clear();
        }
    }
}

async fn serve(client: TcpStream, upstream: String, trips: Arc<AtomicU64>) -> anyhow::Result<()> {
    client.set_nodelay(true)?;
    let server = TcpStream::connect(upstream).await?;
    server.set_nodelay(true)?;
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let mut counter = Counter {
            startup: true,
            skip: 0,
            header: Vec::with_capacity(5),
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            counter.feed(&buf[..n], &trips);
            sw.write_all(&buf[..n]).await?;
        }
        sw.shutdown().await?;
        anyhow::Ok(())
    };
    let down = async move {
        tokio::io::copy(&mut sr, &mut cw).await?;
        cw.shutdown().await?;
        anyhow::Ok(())
    };
    let _ = tokio::try_join!(up, down);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind(arg("--listen")?).await?;
    let upstream = arg("--upstream")?;
    let out = arg("--out")?;
    let trips = Arc::new(AtomicU64::new(0));
    let t = trips.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let _ = std::fs::write(&out, t.load(Ordering::Relaxed).to_string());
        }
    });
    loop {
        let (client, _) = listener.accept().await?;
        tokio::spawn(serve(client, upstream.clone(), trips.clone()));
    }
}
