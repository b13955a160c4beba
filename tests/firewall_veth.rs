//! Real traffic through the firewall application: `yard run
//! configs/firewall.click`, its devices swapped with `--replace` for two
//! veth pairs, stands between a client (inside) and a server (outside).
//!
//! ```text
//!   client ns                firewall ns (yard)                 server ns
//!   c0 10.78.0.1/24 ── veth ── fa  in0/out1 … in1/out0  fb ── veth ── s0 10.78.0.2/24
//! ```
//!
//! Allowed: the client fetches a file over HTTP from the server's port
//! 8080, pings it, and the server reaches the client's port 22 (an HTTP
//! server standing in for SSH). Denied: the client's connection to the
//! server's port 9090 and the server's to the client's port 9090 time out,
//! since the stateless filter drops their SYNs. Needs root, `ip`,
//! `ethtool`, `curl`, `ping` and `python3`; otherwise it says why it is
//! skipped and passes. Namespaces are deleted on every path.

#[path = "netns/mod.rs"]
mod netns;

use netns::*;
use std::time::Duration;

const CLIENT_IP: &str = "10.78.0.1";
const SERVER_IP: &str = "10.78.0.2";

/// `curl`'s exit code fetching `url` from namespace `ns` (0 on success,
/// 28 on a timeout), and what it fetched.
fn curl(ns: &str, url: &str, timeout_s: u32) -> (i32, Vec<u8>) {
    let out = in_ns(ns, "curl")
        .args(["-s", "--max-time", &timeout_s.to_string(), url])
        .output()
        .expect("run curl");
    (out.status.code().unwrap_or(-1), out.stdout)
}

#[test]
fn firewall_allows_and_denies_real_connections() {
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
    let (c, s, f) = (
        format!("sy{pid}-fwclient"),
        format!("sy{pid}-fwserver"),
        format!("sy{pid}-fw"),
    );
    let dir = std::env::temp_dir().join(format!("sy{pid}-fw-files"));
    let mut setup = Setup {
        namespaces: Vec::new(),
        children: Vec::new(),
        dir: dir.clone(),
    };
    for ns in [&f, &c, &s] {
        ip(&["netns", "add", ns]).expect("netns add");
        setup.namespaces.push(ns.clone());
    }
    ip(&[
        "-n", &f, "link", "add", "fa", "type", "veth", "peer", "name", "c0", "netns", &c,
    ])
    .expect("veth");
    ip(&[
        "-n", &f, "link", "add", "fb", "type", "veth", "peer", "name", "s0", "netns", &s,
    ])
    .expect("veth");
    for (ns, dev, addr) in [(&c, "c0", CLIENT_IP), (&s, "s0", SERVER_IP)] {
        ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]).expect("addr");
        run(in_ns(ns, "ethtool").args(["-K", dev, "tx", "off", "tso", "off", "gso", "off"]))
            .expect("ethtool");
        ip(&["-n", ns, "link", "set", dev, "up"]).expect("up");
        ip(&["-n", ns, "link", "set", "lo", "up"]).expect("lo up");
    }
    for dev in ["fa", "fb"] {
        ip(&["-n", &f, "link", "set", dev, "up"]).expect("up");
    }
    std::fs::create_dir_all(&dir).expect("temp dir");
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("file"), &body).expect("write file");

    let yard = yard_binary().expect("yard binary");
    let config = format!("{}/configs/firewall.click", env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = [
        "run",
        &config,
        "--replace",
        "in0=FromDevice(fa, PROMISC true)",
        "--replace",
        "out1=ToDevice(fa)",
        "--replace",
        "in1=FromDevice(fb, PROMISC true)",
        "--replace",
        "out0=ToDevice(fb)",
        "-H",
        "in_ok.count",
        "-H",
        "out_ok.count",
        "--stats",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut fw = spawn_yard_args(&yard, &f, &args);
    wait_for_sockets(&mut fw, &f, 2);
    setup.children.push(http_server(&s, SERVER_IP, 8080, &dir));
    setup.children.push(http_server(&s, SERVER_IP, 9090, &dir));
    setup.children.push(http_server(&c, CLIENT_IP, 22, &dir));
    setup.children.push(http_server(&c, CLIENT_IP, 9090, &dir));
    for (ns, ip_, port) in [
        (&s, SERVER_IP, 8080),
        (&s, SERVER_IP, 9090),
        (&c, CLIENT_IP, 22),
        (&c, CLIENT_IP, 9090),
    ] {
        wait_listening(ns, ip_, port);
    }

    let allowed = curl(&c, &format!("http://{SERVER_IP}:8080/file"), 10);
    let pinged = run(in_ns(&c, "ping").args(["-c", "2", "-i", "0.2", "-W", "2", SERVER_IP]));
    let inbound_ssh = curl(&s, &format!("http://{CLIENT_IP}:22/file"), 10);
    let denied_out = curl(&c, &format!("http://{SERVER_IP}:9090/file"), 2);
    let denied_in = curl(&s, &format!("http://{CLIENT_IP}:9090/file"), 2);
    let printed = stop_yard(&mut fw);
    println!("{printed}");

    assert_eq!(
        allowed.0, 0,
        "allowed HTTP to the server failed (curl exit)"
    );
    assert_eq!(
        allowed.1, body,
        "the file fetched through the firewall differs"
    );
    assert!(pinged.is_ok(), "ping through the firewall: {pinged:?}");
    assert_eq!(inbound_ssh.0, 0, "allowed inbound port 22 failed");
    assert_eq!(denied_out.0, 28, "outbound port 9090 must time out");
    assert_eq!(denied_in.0, 28, "inbound port 9090 must time out");
    let passed: u64 = handler_value(&printed, "in_ok.count")
        .and_then(|v| v.trim().parse().ok())
        .expect("in_ok.count printed");
    assert!(passed > 100, "in_ok.count {passed}");
    drop(setup);
    let _ = Duration::ZERO;
}
