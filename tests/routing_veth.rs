//! Real traffic through the router application: `yard run
//! configs/router.click` (devices swapped with `--replace`) routes between
//! two hosts on different subnets, each with the router as its default
//! gateway.
//!
//! ```text
//!   h1 ns                        router ns (yard)                     h2 ns
//!   e0 10.0.0.1/24 ── veth ── ra 10.0.0.254   rb 192.168.1.254 ── veth ── e0 192.168.1.10/24
//! ```
//!
//! Checked: ARP is resolved by ARPQuerier (the hosts' addresses appear,
//! resolved, in `arpq0.table`/`arpq1.table`), pings cross with the TTL
//! decremented (h2's replies arrive at h1 with TTL 63), the router answers
//! pings to itself, a ping with TTL 1 gets "time exceeded" from the
//! router, and an HTTP download crosses intact. Needs root, `ip`,
//! `ethtool`, `ping`, `curl` and `python3`; otherwise it says why it is
//! skipped and passes. Namespaces are deleted on every path.

#[path = "netns/mod.rs"]
mod netns;

use netns::*;
use std::process::Command;

fn output_text(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("run");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn router_routes_between_subnets() {
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
    let (r, h1, h2) = (
        format!("sy{pid}-router"),
        format!("sy{pid}-h1"),
        format!("sy{pid}-h2"),
    );
    let dir = std::env::temp_dir().join(format!("sy{pid}-router-files"));
    let mut setup = Setup {
        namespaces: Vec::new(),
        children: Vec::new(),
        dir: dir.clone(),
    };
    for ns in [&r, &h1, &h2] {
        ip(&["netns", "add", ns]).expect("netns add");
        setup.namespaces.push(ns.clone());
    }
    ip(&[
        "-n", &r, "link", "add", "ra", "type", "veth", "peer", "name", "e0", "netns", &h1,
    ])
    .expect("veth");
    ip(&[
        "-n", &r, "link", "add", "rb", "type", "veth", "peer", "name", "e0", "netns", &h2,
    ])
    .expect("veth");
    // The router's interfaces carry the Ethernet addresses its
    // configuration names.
    ip(&[
        "-n",
        &r,
        "link",
        "set",
        "ra",
        "address",
        "02:00:00:00:00:fe",
    ])
    .expect("mac");
    ip(&[
        "-n",
        &r,
        "link",
        "set",
        "rb",
        "address",
        "02:00:00:00:01:fe",
    ])
    .expect("mac");
    for (ns, addr, gw) in [
        (&h1, "10.0.0.1/24", "10.0.0.254"),
        (&h2, "192.168.1.10/24", "192.168.1.254"),
    ] {
        ip(&["-n", ns, "addr", "add", addr, "dev", "e0"]).expect("addr");
        run(in_ns(ns, "ethtool").args(["-K", "e0", "tx", "off", "tso", "off", "gso", "off"]))
            .expect("ethtool");
        ip(&["-n", ns, "link", "set", "e0", "up"]).expect("up");
        ip(&["-n", ns, "link", "set", "lo", "up"]).expect("lo");
        ip(&["-n", ns, "route", "add", "default", "via", gw]).expect("route");
    }
    for dev in ["ra", "rb"] {
        ip(&["-n", &r, "link", "set", dev, "up"]).expect("up");
    }
    std::fs::create_dir_all(&dir).expect("temp dir");
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(dir.join("file"), &body).expect("file");

    let yard = yard_binary().expect("yard binary");
    let config = format!("{}/configs/router.click", env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = [
        "run",
        &config,
        "--replace",
        "in0=FromDevice(ra)",
        "--replace",
        "out0=ToDevice(ra)",
        "--replace",
        "in1=FromDevice(rb)",
        "--replace",
        "out1=ToDevice(rb)",
        "-H",
        "arpq0.table",
        "-H",
        "arpq1.table",
        "--stats",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut router = spawn_yard_args(&yard, &r, &args);
    wait_for_sockets(&mut router, &r, 2);
    setup
        .children
        .push(http_server(&h2, "192.168.1.10", 8080, &dir));
    wait_listening(&h2, "192.168.1.10", 8080);
    let across =
        output_text(in_ns(&h1, "ping").args(["-c", "3", "-i", "0.2", "-W", "2", "192.168.1.10"]));
    let back =
        output_text(in_ns(&h2, "ping").args(["-c", "3", "-i", "0.2", "-W", "2", "10.0.0.1"]));
    let to_router = output_text(in_ns(&h1, "ping").args(["-c", "1", "-W", "2", "10.0.0.254"]));
    let ttl1_back =
        output_text(in_ns(&h2, "ping").args(["-c", "1", "-t", "1", "-W", "2", "10.0.0.1"]));
    let ttl1 =
        output_text(in_ns(&h1, "ping").args(["-c", "1", "-t", "1", "-W", "2", "192.168.1.10"]));
    let out = in_ns(&h1, "curl")
        .args(["-s", "--max-time", "10", "http://192.168.1.10:8080/file"])
        .output()
        .expect("curl");
    let fetched = (
        out.status.success(),
        format!("curl exit {:?}", out.status.code()),
    );
    let data = out.stdout;
    let printed = stop_yard(&mut router);
    println!(
        "{}\n{}\n{}\n{}\n{}\n{printed}",
        across.1, back.1, to_router.1, ttl1.1, ttl1_back.1
    );

    assert!(across.0, "ping across the router failed:\n{}", across.1);
    assert!(
        across.1.contains("ttl=63"),
        "replies should arrive with TTL 63:\n{}",
        across.1
    );
    assert!(back.0, "ping back across the router failed:\n{}", back.1);
    assert!(
        back.1.contains("ttl=63"),
        "replies from h1 should arrive at h2 with TTL 63:\n{}",
        back.1
    );
    assert!(to_router.0, "ping to the router failed:\n{}", to_router.1);
    assert!(
        ttl1_back.1.contains("From 192.168.1.254") && ttl1_back.1.contains("exceeded"),
        "TTL 1 from h2 should get time exceeded from the router's other address:\n{}",
        ttl1_back.1
    );
    assert!(
        ttl1.1.contains("From 10.0.0.254") && ttl1.1.contains("exceeded"),
        "TTL 1 should get time exceeded from the router:\n{}",
        ttl1.1
    );
    assert!(fetched.0, "HTTP across the router failed: {}", fetched.1);
    assert_eq!(data, body, "the file fetched across the router differs");
    let arp0 = handler_value(&printed, "arpq0.table").unwrap_or("");
    assert!(
        printed.contains("10.0.0.1 1 ") && printed.contains("192.168.1.10 1 "),
        "ARPQuerier should have resolved both hosts (arpq0: {arp0}):\n{printed}"
    );
}
