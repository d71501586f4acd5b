//! Real servers on 127.0.0.1 for the remote-store tests: Python's `http.server` for
//! read-only HTTP stores and moto's S3-compatible server (installed by
//! `scripts/test-deps.sh`). Each test starts its own on a free port; dropping the
//! handle stops it.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    what: &'static str,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(what: &'static str, mut cmd: Command, port: u16) -> Server {
    // Not while a test of this binary writes a NetCDF file: the server would inherit the
    // descriptor and its lock for as long as it runs (see `common::hdf5_turn`).
    let turn = crate::common::hdf5_turn();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
    drop(turn);
    let mut server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        what,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = server.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("{what} exited ({status}) before answering: {err}");
        }
        // Answering HTTP, not only accepting connections.
        if request(port, "HEAD", "/").is_ok() {
            return server;
        }
        assert!(Instant::now() < deadline, "{what} did not answer in 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One HTTP/1.1 request without a body; the status line of the answer.
fn request(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default().to_string();
    if status.starts_with("HTTP/1.") {
        Ok(status)
    } else {
        Err(std::io::Error::other(format!("not HTTP: {answer:?}")))
    }
}

/// `python3 -m http.server` serving `dir` (read-only: GET and HEAD, no listing API, no
/// range requests).
pub fn http_server(dir: &Path) -> Server {
    let port = free_port();
    let mut cmd = Command::new("python3");
    cmd.args([
        "-m",
        "http.server",
        "--bind",
        "127.0.0.1",
        &port.to_string(),
    ])
    .current_dir(dir);
    start("python3 -m http.server", cmd, port)
}

/// Python's `http.server` with byte ranges (`Range: bytes=A-B` answered with 206), as
/// web servers and object stores answer them; plain `http.server` ignores `Range`.
const RANGE_HANDLER: &str = include_str!("range_server.py");

/// `python3 -m http.server`'s handler serving `dir`, with range requests answered.
pub fn range_http_server(dir: &Path) -> Server {
    let port = free_port();
    let mut cmd = Command::new("python3");
    cmd.args(["-c", RANGE_HANDLER, &port.to_string()])
        .current_dir(dir);
    start("python3 http.server with ranges", cmd, port)
}

fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("XR_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/test-venv/bin/moto_server")
}

/// moto's S3-compatible server. It accepts any credentials.
pub fn s3_server() -> Server {
    let exe = moto_server_path();
    assert!(
        exe.exists(),
        "{} is missing: run scripts/test-deps.sh (make test does)",
        exe.display()
    );
    let port = free_port();
    let mut cmd = Command::new(exe);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    start("moto_server", cmd, port)
}

impl Server {
    /// Creates a bucket (S3 `CreateBucket`; moto needs no signature).
    pub fn create_bucket(&self, bucket: &str) {
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        let status = request(port, "PUT", &format!("/{bucket}")).unwrap();
        assert!(
            status.contains(" 200 "),
            "{}: create bucket {bucket}: {status}",
            self.what
        );
    }

    /// The settings that reach this server as an S3 endpoint.
    pub fn s3_options(&self) -> xr::io::zarr::StorageOptions {
        xr::io::zarr::StorageOptions::new()
            .with("endpoint", &self.url)
            .with("allow_http", "true")
            .with("region", "us-east-1")
            .with("access_key_id", "testing")
            .with("secret_access_key", "testing")
    }
}
