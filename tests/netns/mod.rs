//! Network-namespace plumbing shared by the real-interface tests: skip
//! checks, running commands inside namespaces, finding (and building)
//! `yard`, and starting and stopping it.
//!
//! Namespaces are named `sy<pid>-<role>`; namespaces of runs that were
//! killed before they could clean up are deleted by the next run.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Why the test cannot run here, if it cannot.
pub fn skip_reason() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse::<u32>().ok());
    if euid != Some(0) {
        return Some("not running as root (network namespaces and AF_PACKET need it)".into());
    }
    for tool in ["ip", "ethtool"] {
        let found = Command::new(tool)
            .arg(if tool == "ip" { "-V" } else { "--version" })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    if !has("ping") && !has("python3") {
        return Some("neither `ping` nor `python3` is installed".into());
    }
    None
}

pub fn has(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

pub fn run(cmd: &mut Command) -> Result<Output, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{cmd:?}: cannot start: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn ip(args: &[&str]) -> Result<Output, String> {
    run(Command::new("ip").args(args))
}

pub fn in_ns(ns: &str, program: &str) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, program]);
    c
}

/// The namespaces and processes of one run; dropping it kills the processes
/// Deletes namespaces left by earlier runs that were killed before they
/// could clean up (`sy<pid>-…` whose process is gone).
pub fn remove_stale_namespaces() {
    let Ok(out) = ip(&["netns", "list"]) else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some((pid, role)) = name.strip_prefix("sy").and_then(|r| r.split_once('-')) else {
            continue;
        };
        if !role.is_empty() && pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists()
        {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// Finds `yard` (see the module header), building it if needed.
pub fn yard_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("YARD_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // <target>[/<triple>]/<profile>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test binary path {}", exe.display()))?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_string();
    let above = profile_dir
        .parent()
        .ok_or_else(|| format!("unexpected test binary path {}", exe.display()))?;
    // Cargo keeps `.rustc_info.json` (and usually CACHEDIR.TAG) at its target
    // directory's root; if they are one level further up, the level above
    // the profile is a target triple.
    let is_root = |d: &Path| d.join(".rustc_info.json").exists() || d.join("CACHEDIR.TAG").exists();
    let (target_dir, triple) = match above.parent() {
        Some(up) if !is_root(above) && is_root(up) => (
            up.to_path_buf(),
            above.file_name().and_then(|n| n.to_str()).map(String::from),
        ),
        _ => (above.to_path_buf(), None),
    };
    let yard = profile_dir.join("yard");

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", "yard", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    if let Some(t) = &triple {
        cmd.args(["--target", t]);
    }
    match run(&mut cmd) {
        Ok(_) => Ok(yard),
        Err(e) if yard.exists() => {
            eprintln!("warning: could not rebuild yard, using the existing binary: {e}");
            Ok(yard)
        }
        Err(e) => Err(e),
    }
}

/// Number of AF_PACKET sockets open in namespace `ns`.
pub fn packet_sockets(ns: &str) -> usize {
    run(in_ns(ns, "cat").arg("/proc/net/packet"))
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .count()
                .saturating_sub(1)
        })
        .unwrap_or(0)
}

/// Starts `yard run` with `config` in namespace `ns`, printing `handlers`
/// when it stops.
pub fn spawn_yard(yard: &Path, ns: &str, config: &str, handlers: &[&str]) -> Child {
    let mut cmd = in_ns(ns, &yard.to_string_lossy());
    cmd.args(["run", "-e", config]);
    for h in handlers {
        cmd.args(["-H", h]);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", yard.display()))
}

/// Starts `yard` with `args` in namespace `ns`, output captured.
pub fn spawn_yard_args(yard: &Path, ns: &str, args: &[String]) -> Child {
    let mut cmd = in_ns(ns, &yard.to_string_lossy());
    cmd.args(args);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", yard.display()))
}

/// Waits until `n` packet sockets are open in `ns` (yard has initialized).
pub fn wait_for_sockets(yard: &mut Child, ns: &str, n: usize) {
    let ready_by = Instant::now() + Duration::from_secs(10);
    while packet_sockets(ns) < n {
        if let Some(e) = yard_exited(yard) {
            panic!("{e}");
        }
        assert!(
            Instant::now() < ready_by,
            "yard did not open its devices within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops yard with SIGTERM, so that it prints its handlers, and returns
/// what it printed.
pub fn stop_yard(yard: &mut Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &yard.id().to_string()])
        .status();
    let stop_by = Instant::now() + Duration::from_secs(5);
    while yard.try_wait().ok().flatten().is_none() && Instant::now() < stop_by {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = yard.kill();
    let mut printed = String::new();
    if let Some(o) = yard.stdout.as_mut() {
        let _ = o.read_to_string(&mut printed);
    }
    printed
}

/// The value yard printed for handler `name` (`name:` line, value line).
pub fn handler_value<'a>(printed: &'a str, name: &str) -> Option<&'a str> {
    let mut lines = printed.lines();
    lines.find(|l| l.strip_suffix(':') == Some(name))?;
    lines.next().map(str::trim)
}

pub fn yard_exited(yard: &mut Child) -> Option<String> {
    match yard.try_wait() {
        Ok(Some(status)) => {
            let mut err = String::new();
            if let Some(e) = yard.stderr.as_mut() {
                let _ = e.read_to_string(&mut err);
            }
            Some(format!("yard exited early ({status}): {err}"))
        }
        _ => None,
    }
}

/// Waits for a TCP server in `ns` to listen on `ip:port`.
pub fn wait_listening(ns: &str, ip: &str, port: u16) {
    let probe = format!(
        "import socket,time\nfor _ in range(100):\n  try:\n    socket.create_connection(('{ip}',{port}),0.2).close(); break\n  except OSError: time.sleep(0.05)\n"
    );
    let _ = in_ns(ns, "python3").args(["-c", &probe]).status();
}

/// A static-file HTTP server. Python's `http.server` module looks its own
/// name up in DNS when it binds, which hangs in a namespace whose default
/// route leads nowhere; this one skips that.
const HTTP_SERVER_PY: &str = r#"
import http.server, os, socketserver, sys
class Server(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
os.chdir(sys.argv[3])
Server((sys.argv[1], int(sys.argv[2])), Quiet).serve_forever()
"#;

/// Serves the files of `dir` over HTTP on `ip:port` inside `ns`.
pub fn http_server(ns: &str, ip: &str, port: u16, dir: &Path) -> Child {
    in_ns(ns, "python3")
        .args(["-c", HTTP_SERVER_PY, ip, &port.to_string()])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the HTTP server (python3)")
}

/// The namespaces, processes and files of one real-traffic test; dropping
/// it kills the processes and deletes the namespaces (with their veth
/// pairs) and the files, pass or fail.
pub struct Setup {
    pub namespaces: Vec<String>,
    pub children: Vec<Child>,
    pub dir: PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in &self.namespaces {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
