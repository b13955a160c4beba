//! Real traffic through the carrier-grade NAT: `yard run
//! configs/cgnat.click` (devices swapped with `--replace`) between a
//! subscriber and a server.
//!
//! ```text
//!   subscriber ns                 cgnat ns (yard)                    server ns
//!   e0 100.64.0.1/24 ── veth ── na 100.64.0.254   nb 198.51.100.1 ── veth ── e0 198.51.100.2/24
//! ```
//!
//! Checked: `curl` fetches a file intact; the server sees the NAT's public
//! address, not the subscriber's; `ping` works through ICMPPingRewriter;
//! the `nat.table` and `ping.table` handlers list the mappings. Needs
//! root, `ip`, `ethtool`, `curl`, `ping` and `python3`; otherwise it says
//! why it is skipped and passes. Namespaces are deleted on every path.

#[path = "netns/mod.rs"]
mod netns;

use netns::*;
use std::process::Stdio;

/// Serves `file` and, at `/whoami`, the address the request came from.
const WHOAMI_PY: &str = r#"
import http.server, os, socketserver, sys
class Server(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/whoami":
            body = self.client_address[0].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()
    def log_message(self, *args):
        pass
os.chdir(sys.argv[2])
Server((sys.argv[1], 8080), Handler).serve_forever()
"#;

#[test]
fn subscriber_reaches_server_through_the_cgnat() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    for tool in ["curl", "python3", "ping"] {
        if !has(tool) {
            eprintln!("SKIPPED: `{tool}` is not installed");
            return;
        }
    }
    remove_stale_namespaces();
    let pid = std::process::id();
    let (n, sub, srv) = (
        format!("sy{pid}-cgnat"),
        format!("sy{pid}-subscriber"),
        format!("sy{pid}-natserver"),
    );
    let dir = std::env::temp_dir().join(format!("sy{pid}-cgnat-files"));
    let mut setup = Setup {
        namespaces: Vec::new(),
        children: Vec::new(),
        dir: dir.clone(),
    };
    for ns in [&n, &sub, &srv] {
        ip(&["netns", "add", ns]).expect("netns add");
        setup.namespaces.push(ns.clone());
    }
    ip(&[
        "-n", &n, "link", "add", "na", "type", "veth", "peer", "name", "e0", "netns", &sub,
    ])
    .expect("veth");
    ip(&[
        "-n", &n, "link", "add", "nb", "type", "veth", "peer", "name", "e0", "netns", &srv,
    ])
    .expect("veth");
    ip(&[
        "-n",
        &n,
        "link",
        "set",
        "na",
        "address",
        "02:00:00:00:10:01",
    ])
    .expect("mac");
    ip(&[
        "-n",
        &n,
        "link",
        "set",
        "nb",
        "address",
        "02:00:00:00:20:01",
    ])
    .expect("mac");
    for (ns, addr, gw) in [
        (&sub, "100.64.0.1/24", Some("100.64.0.254")),
        (&srv, "198.51.100.2/24", None),
    ] {
        ip(&["-n", ns, "addr", "add", addr, "dev", "e0"]).expect("addr");
        run(in_ns(ns, "ethtool").args(["-K", "e0", "tx", "off", "tso", "off", "gso", "off"]))
            .expect("ethtool");
        ip(&["-n", ns, "link", "set", "e0", "up"]).expect("up");
        ip(&["-n", ns, "link", "set", "lo", "up"]).expect("lo");
        if let Some(gw) = gw {
            ip(&["-n", ns, "route", "add", "default", "via", gw]).expect("route");
        }
    }
    for dev in ["na", "nb"] {
        ip(&["-n", &n, "link", "set", dev, "up"]).expect("up");
    }
    std::fs::create_dir_all(&dir).expect("temp dir");
    let body: Vec<u8> = (0..500_000u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(dir.join("file"), &body).expect("file");

    let yard = yard_binary().expect("yard binary");
    let config = format!("{}/configs/cgnat.click", env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = [
        "run",
        &config,
        "--replace",
        "in0=FromDevice(na)",
        "--replace",
        "out0=ToDevice(na)",
        "--replace",
        "in1=FromDevice(nb)",
        "--replace",
        "out1=ToDevice(nb)",
        "-H",
        "nat.table",
        "-H",
        "ping.table",
        "-H",
        "nat.mapping_failures",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut cgnat = spawn_yard_args(&yard, &n, &args);
    wait_for_sockets(&mut cgnat, &n, 2);
    setup.children.push(
        in_ns(&srv, "python3")
            .args(["-c", WHOAMI_PY, "198.51.100.2"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server"),
    );
    wait_listening(&srv, "198.51.100.2", 8080);

    let curl = |path: &str| {
        in_ns(&sub, "curl")
            .args([
                "-s",
                "--max-time",
                "10",
                &format!("http://198.51.100.2:8080/{path}"),
            ])
            .output()
            .expect("curl")
    };
    let file = curl("file");
    let whoami = curl("whoami");
    let pinged = run(in_ns(&sub, "ping").args(["-c", "2", "-i", "0.2", "-W", "2", "198.51.100.2"]));
    let printed = stop_yard(&mut cgnat);
    println!("{printed}");

    assert!(
        file.status.success(),
        "curl through the NAT failed: {:?}",
        file.status
    );
    assert_eq!(
        file.stdout, body,
        "the file fetched through the NAT differs"
    );
    assert_eq!(
        String::from_utf8_lossy(&whoami.stdout),
        "198.51.100.1",
        "the server must see the NAT's public address"
    );
    assert!(pinged.is_ok(), "ping through ICMPPingRewriter: {pinged:?}");
    let table = handler_value(&printed, "nat.table").unwrap_or("");
    assert!(
        printed.contains("(100.64.0.1, ") && printed.contains("=> (198.51.100.1, "),
        "nat.table should list the subscriber's mappings (first line {table:?}):\n{printed}"
    );
    // The whole value: lines up to the blank line after the name.
    let pings = printed
        .split("ping.table:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or("");
    assert!(
        pings.contains("(100.64.0.1, 198.51.100.2, ")
            && pings.contains("=> (198.51.100.1, 198.51.100.2, "),
        "ping.table should list the echo mapping:\n{printed}"
    );
}
