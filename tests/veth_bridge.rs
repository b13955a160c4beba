//! Real interfaces: `yard run` bridges two veth pairs with `FromDevice` and
//! `ToDevice`, and a client pings and fetches a file from a server across it.
//!
//! Topology — three network namespaces made for the run, so nothing touches
//! the host's network (names carry the test's PID, so parallel runs do not
//! collide):
//!
//! ```text
//!   client ns                 bridge ns (yard)                 server ns
//!   c0 10.77.0.1/24 ── veth ── ya  FromDevice/ToDevice  yb ── veth ── s0 10.77.0.2/24
//! ```
//!
//! The test needs root, `ip` and `ethtool`; without them it prints why it is
//! skipped and passes. Pings use `ping` if installed, else a small Python
//! script (raw ICMP socket). The TCP server and client are this test binary
//! itself, run again inside the server and client namespaces (`ip netns exec
//! … <this binary> veth_helper --exact`) with its role in the environment, so
//! they need nothing installed.
//!
//! Finding `yard`: `CARGO_BIN_EXE_yard` exists only for a package's own
//! binaries, and `yard` lives in another package. So the test runs `cargo
//! build -p yard` into the target directory and profile it was itself built
//! in (found from its own path, `<target>/<profile>/deps/<test>`), which is a
//! no-op when `yard` is up to date, and runs `<target>/<profile>/yard`. Set
//! `YARD_BIN` to use another binary.
//!
//! Namespaces left by a run that was killed are deleted by the next run.
//!
//! Run with `cargo test --test veth_bridge -- --nocapture` to see the ping
//! times, the transfer and yard's counters.

#[path = "netns/mod.rs"]
mod netns;

use netns::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT_IP: &str = "10.77.0.1";
const SERVER_IP: &str = "10.77.0.2";
const PORT: u16 = 7707;
const FILE_LEN: usize = 2 << 20;
const SEED: u64 = 0x5eed_0f59_17c4_a2b3;

/// and deletes the namespaces (and with them the veth pairs), pass or fail.
struct Topology {
    client: String,
    server: String,
    bridge: String,
    created: Vec<String>,
    children: Vec<Child>,
}

impl Drop for Topology {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in &self.created {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Topology {
    fn new() -> Topology {
        remove_stale_namespaces();
        let pid = std::process::id();
        Topology {
            client: format!("sy{pid}-client"),
            server: format!("sy{pid}-server"),
            bridge: format!("sy{pid}-bridge"),
            created: Vec::new(),
            children: Vec::new(),
        }
    }

    fn add_namespace(&mut self, ns: &str) -> Result<(), String> {
        ip(&["netns", "add", ns])?;
        self.created.push(ns.to_string());
        Ok(())
    }

    /// Builds the namespaces, veth pairs and addresses.
    fn build(&mut self) -> Result<(), String> {
        let (c, s, b) = (
            self.client.clone(),
            self.server.clone(),
            self.bridge.clone(),
        );
        self.add_namespace(&b)?;
        self.add_namespace(&c)?;
        self.add_namespace(&s)?;
        ip(&[
            "-n", &b, "link", "add", "name", "ya", "type", "veth", "peer", "name", "c0", "netns",
            &c,
        ])?;
        ip(&[
            "-n", &b, "link", "add", "name", "yb", "type", "veth", "peer", "name", "s0", "netns",
            &s,
        ])?;
        for (ns, dev, addr) in [(&c, "c0", CLIENT_IP), (&s, "s0", SERVER_IP)] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev])?;
            // The bridge forwards frames as they are: the stacks at the ends
            // must not leave checksums or segmentation to offload.
            run(in_ns(ns, "ethtool").args(["-K", dev, "tx", "off", "tso", "off", "gso", "off"]))?;
            ip(&["-n", ns, "link", "set", "dev", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "dev", "lo", "up"])?;
        }
        for dev in ["ya", "yb"] {
            ip(&["-n", &b, "link", "set", "dev", dev, "up"])?;
        }
        Ok(())
    }
}

/// The file the server sends: deterministic pseudo-random bytes.
fn file_bytes() -> Vec<u8> {
    let mut x = SEED;
    let mut out = Vec::with_capacity(FILE_LEN + 8);
    while out.len() < FILE_LEN {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(FILE_LEN);
    out
}

/// Runs this test binary's `veth_helper` inside namespace `ns` as `role`.
fn helper(ns: &str, role: &str) -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut c = in_ns(ns, &exe.to_string_lossy());
    c.args(["veth_helper", "--exact", "--nocapture", "--test-threads=1"])
        .env("SY_VETH_ROLE", role);
    Ok(c)
}

/// The server and client sides of the transfer, when this binary is run by
/// [`helper`]; a no-op test otherwise.
#[test]
fn veth_helper() {
    let Ok(role) = std::env::var("SY_VETH_ROLE") else {
        return;
    };
    match role.as_str() {
        "server" => {
            let listener = TcpListener::bind((SERVER_IP, PORT)).expect("bind");
            println!("HELPER ready");
            let _ = std::io::stdout().flush();
            let (mut conn, _) = listener.accept().expect("accept");
            conn.write_all(&file_bytes()).expect("send the file");
        }
        "client" => {
            let started = Instant::now();
            let addr = format!("{SERVER_IP}:{PORT}").parse().expect("address");
            let mut conn =
                TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
            conn.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let mut got = Vec::with_capacity(FILE_LEN);
            conn.read_to_end(&mut got).expect("receive the file");
            let elapsed = started.elapsed();
            let want = file_bytes();
            let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
            println!(
                "HELPER received {} bytes in {:.1} ms ({:.1} Mbit/s), {}",
                got.len(),
                elapsed.as_secs_f64() * 1e3,
                got.len() as f64 * 8.0 / elapsed.as_secs_f64() / 1e6,
                match (first_diff, got.len() == want.len()) {
                    (None, true) => "identical to the file sent".to_string(),
                    (Some(i), _) => format!("FIRST DIFFERENCE AT BYTE {i}"),
                    (None, false) => format!("LENGTH DIFFERS (want {})", want.len()),
                }
            );
            assert_eq!(got.len(), want.len(), "length of the file received");
            assert!(first_diff.is_none(), "the file received differs");
        }
        other => panic!("unknown SY_VETH_ROLE {other}"),
    }
}

const PY_PING: &str = r#"
import os, select, socket, struct, sys, time
dst, count = sys.argv[1], int(sys.argv[2])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, ok = os.getpid() & 0xffff, 0
for seq in range(1, count + 1):
    payload = bytes(range(56))
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
    t0 = time.perf_counter(); sock.sendto(pkt, (dst, 0)); deadline = t0 + 2
    while True:
        left = deadline - time.perf_counter()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            print("no reply to icmp_seq=%d" % seq); break
        data, addr = sock.recvfrom(2048)
        ihl = (data[0] & 15) * 4
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if typ == 0 and rid == ident and rseq == seq and addr[0] == dst:
            rtt = (time.perf_counter() - t0) * 1000
            print("%d bytes from %s: icmp_seq=%d time=%.3f ms" % (len(data) - ihl, dst, seq, rtt))
            ok += 1; break
    time.sleep(0.2)
sys.exit(0 if ok == count else 1)
"#;

fn ping(ns: &str, count: u32) -> Result<String, String> {
    let mut cmd = if has("ping") {
        let mut c = in_ns(ns, "ping");
        c.args(["-c", &count.to_string(), "-i", "0.2", "-W", "2", SERVER_IP]);
        c
    } else {
        let mut c = in_ns(ns, "python3");
        c.args(["-c", PY_PING, SERVER_IP, &count.to_string()]);
        c
    };
    run(&mut cmd).map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

const CONFIG: &str = "\
fa :: FromDevice(ya, PROMISC true) -> qa :: Queue(1024) -> tb :: ToDevice(yb);
fb :: FromDevice(yb, PROMISC true) -> qb :: Queue(1024) -> ta :: ToDevice(ya);
";

const HANDLERS: &[&str] = &[
    "fa.count",
    "fa.kernel_drops",
    "fb.count",
    "fb.kernel_drops",
    "qa.drops",
    "qb.drops",
    "ta.count",
    "ta.drops",
    "tb.count",
    "tb.drops",
];

#[test]
fn veth_bridge() {
    if std::env::var_os("SY_VETH_ROLE").is_some() {
        return;
    }
    if let Some(why) = skip_reason() {
        eprintln!("veth_bridge skipped: {why}");
        return;
    }
    let started = Instant::now();
    let yard_bin = yard_binary().unwrap_or_else(|e| panic!("cannot build yard: {e}"));
    println!(
        "yard built (or up to date) after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut topo = Topology::new();
    // Namespaces are the one thing a root user may still be refused (a
    // container without CAP_SYS_ADMIN): skip then, fail on anything later.
    let probe = topo.bridge.clone();
    if let Err(e) = topo.add_namespace(&probe) {
        eprintln!("veth_bridge skipped: cannot create a network namespace: {e}");
        return;
    }
    ip(&["netns", "del", &probe]).expect("delete the probe namespace");
    topo.created.clear();
    topo.build()
        .unwrap_or_else(|e| panic!("building the topology: {e}"));

    let yard = spawn_yard(&yard_bin, &topo.bridge, CONFIG, HANDLERS);
    topo.children.push(yard);

    // Wait until yard has its four packet sockets open in the bridge
    // namespace, then until a ping gets through (which also resolves ARP).
    wait_for_sockets(&mut topo.children[0], &topo.bridge, 4);
    let ready_by = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(e) = yard_exited(&mut topo.children[0]) {
            panic!("{e}");
        }
        if ping(&topo.client, 1).is_ok() {
            break;
        }
        assert!(
            Instant::now() < ready_by,
            "the bridge did not forward a ping within 10 s"
        );
    }

    println!(
        "bridge up and forwarding after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let pings = ping(&topo.client, 3).unwrap_or_else(|e| panic!("3 pings across the bridge: {e}"));
    println!("ping {SERVER_IP} from the client namespace, through yard:\n{pings}");

    let mut server = helper(&topo.server, "server")
        .and_then(|mut c| {
            c.stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("starting the server: {e}"))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait for the server's "ready" line before connecting.
    let mut ready = [0u8; 64];
    let mut seen = String::new();
    if let Some(out) = server.stdout.as_mut() {
        while !seen.contains("HELPER ready") {
            match out.read(&mut ready) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&ready[..n])),
            }
        }
    }
    topo.children.push(server);
    assert!(
        seen.contains("HELPER ready"),
        "the server did not start: {seen}"
    );

    let client = helper(&topo.client, "client")
        .and_then(|mut c| run(&mut c))
        .unwrap_or_else(|e| panic!("fetching the file across the bridge: {e}"));
    let report = String::from_utf8_lossy(&client.stdout);
    // libtest may print "test veth_helper ... " on the same line.
    let line = report
        .lines()
        .find_map(|l| l.split_once("HELPER ").map(|(_, r)| r))
        .unwrap_or("no report from the client");
    println!("TCP transfer from the server namespace, through yard: {line}");

    let counters = stop_yard(&mut topo.children[0]);
    println!("yard's counters:\n{}", counters.trim_end());
    println!("veth_bridge took {:.2} s", started.elapsed().as_secs_f64());
    assert!(
        line.contains("identical"),
        "the file received differs from the file sent: {line}"
    );
}

/// ToDevice with a push input and with a pull input on a veth pair inside
/// one namespace: frames arrive once on the peer, oversized frames are
/// dropped and counted, and a FromDevice on the sending device does not see
/// what its own host sends.
#[test]
fn todevice_push_pull_and_mtu() {
    if std::env::var_os("SY_VETH_ROLE").is_some() {
        return;
    }
    if let Some(why) = skip_reason() {
        eprintln!("todevice_push_pull_and_mtu skipped: {why}");
        return;
    }
    let yard_bin = yard_binary().unwrap_or_else(|e| panic!("cannot build yard: {e}"));
    let mut topo = Topology::new();
    let ns = format!("sy{}-push", std::process::id());
    if let Err(e) = topo.add_namespace(&ns) {
        eprintln!("todevice_push_pull_and_mtu skipped: cannot create a network namespace: {e}");
        return;
    }
    ip(&[
        "-n", &ns, "link", "add", "name", "p0", "type", "veth", "peer", "name", "p1",
    ])
    .expect("veth pair");
    for dev in ["p0", "p1"] {
        ip(&["-n", &ns, "link", "set", "dev", dev, "up"]).expect("link up");
    }
    // EtherType 0x88b5 (local experimental), so the kernel's own IPv6
    // chatter on the link is not counted.
    let frame = "\\<ffffffffffff 020000000001 88b5>";
    let config = format!(
        "InfiniteSource(DATA {frame}, LENGTH 100, LIMIT 50, STOP false) -> push :: ToDevice(p0);
         InfiniteSource(DATA {frame}, LENGTH 1600, LIMIT 5, STOP false) -> Queue -> pull :: ToDevice(p0);
         InfiniteSource(DATA {frame}, LENGTH 1514, LIMIT 7, STOP false) -> Queue -> full :: ToDevice(p0);
         peer :: FromDevice(p1, PROTOCOL 0x88b5) -> Discard;
         own :: FromDevice(p0, PROTOCOL 0x88b5) -> Discard;"
    );
    let handlers = [
        "push.count",
        "push.drops",
        "pull.count",
        "pull.drops",
        "full.count",
        "peer.count",
        "own.count",
    ];
    let yard = spawn_yard(&yard_bin, &ns, &config, &handlers);
    topo.children.push(yard);
    wait_for_sockets(&mut topo.children[0], &ns, 5);
    std::thread::sleep(Duration::from_millis(500));
    let printed = stop_yard(&mut topo.children[0]);
    println!("{}", printed.trim_end());
    let value = |h: &str| handler_value(&printed, h).unwrap_or("missing").to_string();
    assert_eq!(value("push.count"), "50", "{printed}");
    assert_eq!(value("push.drops"), "0", "{printed}");
    assert_eq!(
        value("pull.count"),
        "0",
        "1600-byte frames exceed a 1500 MTU"
    );
    assert_eq!(value("pull.drops"), "5", "{printed}");
    assert_eq!(
        value("full.count"),
        "7",
        "a 1514-byte frame fits a 1500 MTU"
    );
    assert_eq!(value("peer.count"), "57", "{printed}");
    assert_eq!(value("own.count"), "0", "outgoing frames are not read back");
}

/// A missing device is an error at initialization that names the device
/// (or, without CAP_NET_RAW, says what permission is missing).
#[test]
fn missing_device_is_a_clear_error() {
    let registry = elements::registry();
    for config in [
        "FromDevice(sy-nosuch0) -> Discard;",
        "InfiniteSource(LIMIT 1) -> Queue -> ToDevice(sy-nosuch0);",
    ] {
        let err = engine::Router::from_text("<test>", config, &registry)
            .err()
            .unwrap_or_else(|| panic!("{config}: built a router for a missing device"))
            .render();
        assert!(
            err.contains("sy-nosuch0: no such network device")
                || err.contains("sy-nosuch0: socket(AF_PACKET): permission denied"),
            "{config}: {err}"
        );
    }
    let err = engine::Router::from_text("<test>", "FromDevice(\"a/b\") -> Discard;", &registry)
        .err()
        .map(|e| e.render())
        .unwrap_or_default();
    assert!(err.contains("not a valid network device name"), "{err}");
}
