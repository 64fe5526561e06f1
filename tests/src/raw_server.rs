//! A loopback HTTP/1.1 server scripted per request, for faults a mock
//! library cannot produce: a body cut off mid-way, a stall, a Range answer.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Sends the whole body with a status and extra headers.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Announces `body.len() + missing` bytes, sends `body`, closes.
    Truncated { body: Vec<u8>, missing: usize },
    /// Answers `Range: bytes=N-` with 206 and the rest of `body`, or the
    /// whole body with 200 when the request has no Range.
    Ranged { body: Vec<u8> },
    /// Sends headers and `body`, then stays silent without closing.
    Stall { body: Vec<u8>, announced: usize },
    /// [`Reply::Truncated`] with extra headers (an `ETag`, say).
    TruncatedWith {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        missing: usize,
    },
    /// Sends headers and `first`, waits `pause`, then sends `rest`.
    Paused {
        first: Vec<u8>,
        pause: std::time::Duration,
        rest: Vec<u8>,
    },
    /// Reads the request and never answers, keeping the connection open.
    Silent,
    /// Announces and sends `len` bytes of `x` with `status`, generated as
    /// they are written (nothing of that size is held in memory).
    Huge { status: u16, len: usize },
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Request line and headers, as sent.
    pub head: String,
}

impl Seen {
    /// Value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// The running server. Replies are used in order; the last one repeats.
pub struct RawServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RawServer {
    /// Starts the server on an ephemeral loopback port.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            let mut served = 0usize;
            while let Ok((mut socket, _)) = listener.accept().await {
                let reply = replies.get(served).or(replies.last()).cloned();
                served += 1;
                let log = log.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match socket.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let seen = Seen {
                        head: String::from_utf8_lossy(&head).into_owned(),
                    };
                    let range_start = seen.header("range").and_then(|r| {
                        r.strip_prefix("bytes=")?
                            .trim_end_matches('-')
                            .parse::<usize>()
                            .ok()
                    });
                    log.lock().unwrap().push(seen);
                    let Some(reply) = reply else { return };
                    let _ = respond(&mut socket, reply, range_start).await;
                });
            }
        });
        Self { url, seen }
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn respond(
    socket: &mut tokio::net::TcpStream,
    reply: Reply,
    range_start: Option<usize>,
) -> std::io::Result<()> {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Truncated { body, missing } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len() + missing
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Ranged { body } => match range_start {
            Some(start) if start < body.len() => {
                let rest = &body[start..];
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{}\r\nconnection: close\r\n\r\n",
                    rest.len(),
                    body.len() - 1,
                    body.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(rest).await?;
            }
            _ => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                socket.write_all(head.as_bytes()).await?;
                socket.write_all(&body).await?;
            }
        },
        Reply::TruncatedWith {
            headers,
            body,
            missing,
        } => {
            let mut head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len() + missing
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Paused { first, pause, rest } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                first.len() + rest.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&first).await?;
            socket.flush().await?;
            tokio::time::sleep(pause).await;
            socket.write_all(&rest).await?;
        }
        Reply::Silent => {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
        Reply::Huge { status, len } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len());
                // The client may hang up once it has read enough.
                if socket.write_all(&chunk[..n]).await.is_err() {
                    return Ok(());
                }
                left -= n;
            }
        }
        Reply::Stall { body, announced } => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {announced}\r\n\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    }
    socket.shutdown().await
}
