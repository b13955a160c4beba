//! `yard bench --apps`: the seed's Figure 4.1 / Table 2.1 applications,
//! run from their files in `configs/` beside Click's userlevel driver, and
//! the special workloads of issue 3 (the NAT with 1,000 flows, the firewall
//! with 10, 100 and 1,000 rules, the router with 1,000 routes, the
//! CheckIPHeader → DecIPTTL chain).
//!
//! Key decision: a workload is an application file plus replacements
//! ([`clickconf::Replacement`]): every `FromDevice` becomes an in-memory
//! source (`in0` the traffic, others `Idle` or a one-packet primer), every
//! `ToDevice` a `Discard(BURST 256)`, and the application may swap more
//! (a bigger rule set, a lifted rate). The flattened, replaced graph is
//! printed as Click text ([`clickconf::RouterGraph::to_click`]) and that
//! one text is what both drivers run. A workload's rate counts the packets
//! that reach its sinks (the `count` of the replaced `ToDevice`s), which
//! also shows that the traffic went where the application sends it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use engine::{Registry, Router, RunOptions};

use super::{CLICK_TUNABLES, click_command, cpu_seconds, hex_data, median};

/// Ethernet addresses and IPv4 addresses of one UDP frame.
#[derive(Clone, Copy, Debug)]
pub struct Udp {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
}

const HOST_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

impl Udp {
    const fn new(src: [u8; 4], dst: [u8; 4], dport: u16) -> Udp {
        Udp {
            src_mac: HOST_MAC,
            dst_mac: [2, 0, 0, 0, 0, 2],
            src,
            dst,
            sport: 1234,
            dport,
        }
    }

    const fn to_mac(mut self, mac: [u8; 6]) -> Udp {
        self.dst_mac = mac;
        self
    }

    /// The frame, `len` bytes long (at least 42): a valid IPv4 header
    /// (TTL 64, checksum) and UDP header (checksum 0: none), the payload
    /// counting up.
    pub fn frame(&self, len: usize) -> Vec<u8> {
        let len = len.max(42);
        let mut f = vec![0u8; len];
        f[0..6].copy_from_slice(&self.dst_mac);
        f[6..12].copy_from_slice(&self.src_mac);
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        let ip_len = (len - 14) as u16;
        f[14] = 0x45;
        f[16..18].copy_from_slice(&ip_len.to_be_bytes());
        f[22] = 64;
        f[23] = 17;
        f[26..30].copy_from_slice(&self.src);
        f[30..34].copy_from_slice(&self.dst);
        let sum = packet::checksum::checksum(&f[14..34]);
        f[24..26].copy_from_slice(&sum.to_be_bytes());
        f[34..36].copy_from_slice(&self.sport.to_be_bytes());
        f[36..38].copy_from_slice(&self.dport.to_be_bytes());
        f[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
        for (i, b) in f[42..].iter_mut().enumerate() {
            *b = i as u8;
        }
        f
    }
}

/// A 60-byte ARP reply from `sender` (`sha`, `spa`) to `target`.
pub fn arp_reply(sha: [u8; 6], spa: [u8; 4], tha: [u8; 6], tpa: [u8; 4]) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[0..6].copy_from_slice(&tha);
    f[6..12].copy_from_slice(&sha);
    f[12..14].copy_from_slice(&[0x08, 0x06]);
    f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 2]);
    f[22..28].copy_from_slice(&sha);
    f[28..32].copy_from_slice(&spa);
    f[32..38].copy_from_slice(&tha);
    f[38..42].copy_from_slice(&tpa);
    f
}

/// What a workload's `in0` sends.
#[derive(Clone, Debug)]
pub enum Traffic {
    /// These frames, each from its own `InfiniteSource` (LIMIT packets
    /// shared between them, STOP true); with several frames, the sources
    /// take turns making BURST / frames packets each.
    Frames(Vec<Udp>),
    /// `FastUDPFlows` (Click's and ours): `flows` UDP flows with random
    /// ports between two addresses, pulled in bursts of 256; the run lasts
    /// a fixed time.
    Flows { flows: u32, udp: Udp },
}

/// How a workload finds its configuration.
#[derive(Clone, Copy, Debug)]
pub enum Config {
    /// A file in the repository (`configs/…`).
    File(&'static str),
    /// Configuration text, with devices as an application file has them.
    Text(&'static str),
}

/// Extra replacements, made from the application's flattened graph (the
/// original configuration string of an element, e.g. to add routes).
type Edit = fn(&clickconf::RouterGraph) -> Vec<String>;

/// One measured workload.
pub struct Workload {
    pub name: String,
    config: Config,
    traffic: Traffic,
    /// A receiving device that gets one frame before the traffic (an ARP
    /// reply, so that the application's ARPQuerier knows the next hop).
    prime: Option<(&'static str, Vec<u8>)>,
    /// Further replacements, `NAME=Class(ARGS)`.
    edit: Option<Edit>,
    /// Elements every source's packets pass before they leave `in0`.
    wrap: Option<&'static str>,
    /// Replaced sending devices where the traffic must arrive.
    sinks: &'static [&'static str],
    /// Said beside the figures.
    pub note: String,
    /// Measured at every frame size (applications) or at the first size
    /// only (special workloads, unless `--sizes` names one size).
    all_sizes: bool,
}

impl Workload {
    fn app(name: &str, file: &'static str, traffic: Udp, sinks: &'static [&'static str]) -> Self {
        Workload {
            name: name.to_string(),
            config: Config::File(file),
            traffic: Traffic::Frames(vec![traffic]),
            prime: None,
            edit: None,
            wrap: None,
            sinks,
            note: String::new(),
            all_sizes: true,
        }
    }

    fn note(mut self, note: &str) -> Self {
        self.note = note.to_string();
        self
    }

    fn prime(mut self, device: &'static str, frame: Vec<u8>) -> Self {
        self.prime = Some((device, frame));
        self
    }

    fn edit(mut self, edit: Edit) -> Self {
        self.edit = Some(edit);
        self
    }

    fn wrap(mut self, elements: &'static str) -> Self {
        self.wrap = Some(elements);
        self
    }

    fn special(mut self) -> Self {
        self.all_sizes = false;
        self
    }

    fn traffic(mut self, traffic: Traffic) -> Self {
        self.traffic = traffic;
        self
    }

    fn timed(&self) -> bool {
        matches!(self.traffic, Traffic::Flows { .. })
    }
}

// Addresses from the application files.
const ROUTER_MAC0: [u8; 6] = [2, 0, 0, 0, 0, 0xfe];
const ROUTER_MAC1: [u8; 6] = [2, 0, 0, 0, 1, 0xfe];
const ROUTER_IP1: [u8; 4] = [192, 168, 1, 254];
const ROUTER_GW: [u8; 4] = [192, 168, 1, 1];
const ROUTER_HOST1: [u8; 4] = [192, 168, 1, 2];
const NEIGHBOR_MAC: [u8; 6] = [2, 0, 0, 0, 1, 2];
const NAT_IN_MAC: [u8; 6] = [2, 0, 0, 0, 0x10, 1];
const NAT_PUB: [u8; 4] = [198, 51, 100, 1];
const NAT_PUB_MAC: [u8; 6] = [2, 0, 0, 0, 0x20, 1];
const NAT_UPSTREAM: [u8; 4] = [198, 51, 100, 254];
const UPSTREAM_MAC: [u8; 6] = [2, 0, 0, 0, 0x20, 0xfe];
const NAT_SUBSCRIBER: [u8; 4] = [100, 64, 0, 1];
const INTERNET_HOST: [u8; 4] = [203, 0, 113, 5];

/// Generated rule sets replace the firewall's inside filter.
fn firewall_edit(rules: usize) -> Vec<String> {
    vec![format!("in_f={}", super::firewall_rules(rules))]
}

/// 1,000 routes: /24s, /16s, /8s and a default route, all through the
/// gateway on the router's second interface.
pub fn generated_routes(n: usize) -> Vec<String> {
    let mut routes = Vec::with_capacity(n);
    let via = "192.168.1.1 2";
    for i in 0..n.saturating_sub(1) {
        routes.push(match i % 50 {
            0..=44 => format!("20.{}.{}.0/24 {via}", i / 250, i % 250),
            45..=48 => format!("{}.{}.0.0/16 {via}", 30 + i / 250, i % 250),
            _ => format!("{}.0.0.0/8 {via}", 40 + i / 50 % 60),
        });
    }
    routes.push(format!("0.0.0.0/0 {via}"));
    routes
}

/// Destinations the router workload sends to: two each in a /24, a /16, a
/// /8 and the default route. With the default BURST of 256 each source
/// sends 32 packets in its turn: batches of 32, as a NIC's receive bursts
/// (DPDK's usual 32) come under load.
pub fn router_destinations() -> Vec<[u8; 4]> {
    let mut v = Vec::new();
    for k in 0..2u8 {
        v.push([20, k, 7 + 50 * k, 9]); // /24s
        v.push([30 + k, 45, 3 * k, 1]); // /16s
        v.push([40 + k, 1, 2, 3]); // /8s
        v.push([99, k, 0, 1]); // default route
    }
    v
}

/// configs/router.click checks with `CheckPaint(1)`/`CheckPaint(2)` for
/// packets leaving by the interface they came in on, which is what Click's
/// `PaintTee` does; Click's `CheckPaint` passes only the packets that have
/// the paint, so Click would answer all routed traffic with redirects.
/// Both drivers run `PaintTee` (ours and Click's agree on it).
fn router_paint_edit(_: &clickconf::RouterGraph) -> Vec<String> {
    vec!["cp0=PaintTee(1)".to_string(), "cp1=PaintTee(2)".to_string()]
}

fn router_edit(g: &clickconf::RouterGraph) -> Vec<String> {
    let original = g
        .find("rt")
        .map(|i| g.elements[i].config.clone())
        .unwrap_or_default();
    let mut v = router_paint_edit(g);
    v.push(format!(
        "rt=RadixIPLookup({original}, {})",
        generated_routes(1000).join(", ")
    ));
    v
}

/// The application configurations and the special workloads.
pub fn workloads() -> Vec<Workload> {
    let plain = Udp::new([10, 0, 0, 1], [10, 0, 0, 2], 5678);
    let router_in = Udp::new([10, 0, 0, 1], ROUTER_HOST1, 5678).to_mac(ROUTER_MAC0);
    let router_arp = arp_reply(NEIGHBOR_MAC, ROUTER_HOST1, ROUTER_MAC1, ROUTER_IP1);
    let gateway_arp = arp_reply(NEIGHBOR_MAC, ROUTER_GW, ROUTER_MAC1, ROUTER_IP1);
    let nat_in = Udp::new(NAT_SUBSCRIBER, INTERNET_HOST, 5678).to_mac(NAT_IN_MAC);
    let nat_arp = arp_reply(UPSTREAM_MAC, NAT_UPSTREAM, NAT_PUB_MAC, NAT_PUB);
    let dns = Udp::new([10, 0, 0, 1], [192, 0, 2, 53], 53);
    vec![
        Workload::app("wire", "configs/wire.click", plain, &["out0"]),
        Workload::app("ethermirror", "configs/ethermirror.click", plain, &["out0"]),
        Workload::app("router", "configs/router.click", router_in, &["out1"])
            .prime("in1", router_arp.clone())
            .edit(router_paint_edit)
            .note(
                "in1 first answers the ARP query; cp0/cp1=PaintTee (CheckPaint differs in Click)",
            ),
        Workload::app("firewall", "configs/firewall.click", dns, &["out0"])
            .note("DNS queries, allowed by the 4th rule"),
        Workload::app("cgnat", "configs/cgnat.click", nat_in, &["out1"])
            .prime("in1", nat_arp.clone())
            .note("one UDP flow; in1 first answers the ARP query"),
        // Click's EtherRewrite writes at the MAC header annotation, which
        // FromDevice sets and InfiniteSource does not (Click crashes).
        Workload::app(
            "loadbalancer",
            "configs/loadbalancer.click",
            plain,
            &["out0", "out1", "out2"],
        )
        .wrap(MAC_HEADER)
        .note("sources: Strip(14) -> EtherEncap, which sets Click's MAC header"),
        Workload::app("flowmonitor", "configs/flowmonitor.click", plain, &["out0"])
            .note("one flow"),
        Workload::app("shaper", "configs/shaper.click", plain, &["out0"])
            .edit(|_| vec!["shape=Unqueue(BURST 256)".to_string()])
            .note("rate lifted: shape=Unqueue(BURST 256); best-effort class through RED"),
        Workload::app("tunnel", "configs/tunnel.click", plain, &["out1"])
            .note("encapsulation direction"),
        // Special workloads.
        Workload {
            name: "CheckIPHeader-DecIPTTL".to_string(),
            config: Config::Text(
                "in0 :: FromDevice(bench0); out0 :: ToDevice(bench0);\n\
                 in0 -> Strip(14) -> CheckIPHeader -> DecIPTTL -> Unstrip(14) -> out0;",
            ),
            ..Workload::app("", "", plain, &["out0"])
        }
        .special()
        .note("chain, no queue"),
        Workload::app(
            "firewall-10rules",
            "configs/firewall.click",
            plain,
            &["out0"],
        )
        .edit(|_| firewall_edit(10))
        .special()
        .note("in_f replaced: 10 rules, the traffic allowed by the last"),
        Workload::app(
            "firewall-100rules",
            "configs/firewall.click",
            plain,
            &["out0"],
        )
        .edit(|_| firewall_edit(100))
        .special()
        .note("in_f replaced: 100 rules, the traffic allowed by the last"),
        Workload::app(
            "firewall-1000rules",
            "configs/firewall.click",
            plain,
            &["out0"],
        )
        .edit(|_| firewall_edit(1000))
        .special()
        .note("in_f replaced: 1,000 rules, the traffic allowed by the last"),
        Workload::app("cgnat-1000flows", "configs/cgnat.click", nat_in, &["out1"])
            .traffic(Traffic::Flows {
                flows: 1000,
                udp: nat_in,
            })
            .prime("in1", nat_arp)
            .special()
            .note("FastUDPFlows, 1,000 flows from one subscriber"),
        Workload::app(
            "router-1000routes",
            "configs/router.click",
            router_in,
            &["out1"],
        )
        .traffic(Traffic::Frames(
            router_destinations()
                .into_iter()
                .map(|d| Udp::new([10, 0, 0, 1], d, 5678).to_mac(ROUTER_MAC0))
                .collect(),
        ))
        .prime("in1", gateway_arp)
        .edit(router_edit)
        .special()
        .note("rt: 1,000 more routes; 8 destinations (/24, /16, /8, default) taking turns, batches of BURST/8"),
        Workload::app(
            "flowmonitor-1000flows",
            "configs/flowmonitor.click",
            plain,
            &["out0"],
        )
        .traffic(Traffic::Flows {
            flows: 1000,
            udp: plain,
        })
        .special()
        .note("FastUDPFlows, 1,000 flows"),
    ]
}

/// Elements after a source that leave a frame as it was and set Click's
/// MAC header annotation.
const MAC_HEADER: &str = "Strip(14) -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2)";

/// Name of the compound class the sources of a multi-frame or flow
/// workload are wrapped in (both drivers expand it).
const SOURCE_CLASS: &str = "YardBenchSource";

/// A workload made ready for one frame size.
pub struct Prepared {
    /// The text both drivers run.
    pub text: String,
    /// Handlers whose sum is the packets delivered (`out0.count`).
    pub sink_handlers: Vec<String>,
    /// Packets the sources make (untimed runs).
    pub sent: Option<u64>,
    /// Runs for a fixed time instead of until the sources stop.
    pub timed: bool,
}

/// Why a workload was not measured.
#[derive(Debug)]
pub enum Skip {
    Missing(PathBuf),
    Broken(String),
}

fn repo_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Settings of the sources.
#[derive(Clone, Copy)]
pub struct SourceOptions {
    pub packets: u64,
    pub burst: usize,
    pub timestamp: bool,
}

impl Workload {
    /// The text for frames of `size` bytes: devices replaced, the
    /// workload's own replacements made, printed flat.
    pub fn prepare(
        &self,
        registry: &Registry,
        size: usize,
        src: SourceOptions,
    ) -> Result<Prepared, Skip> {
        let (name, text) = match self.config {
            Config::File(path) => {
                let file = repo_path(path);
                match std::fs::read_to_string(&file) {
                    Ok(text) => (path.to_string(), text),
                    Err(_) => return Err(Skip::Missing(PathBuf::from(path))),
                }
            }
            Config::Text(text) => (self.name.clone(), text.to_string()),
        };
        let mut graph = clickconf::load(&name, &text, registry).map_err(|(sources, d)| {
            Skip::Broken(
                d.iter()
                    .map(|d| d.render(&sources))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let mut preamble = String::new();
        let wrap = self.wrap.map(|w| format!(" -> {w}")).unwrap_or_default();
        let (source, sent) = match &self.traffic {
            Traffic::Frames(frames) if frames.len() == 1 && wrap.is_empty() => (
                infinite_source(&frames[0].frame(size), src.packets, src),
                src.packets,
            ),
            Traffic::Frames(frames) => {
                // The sources take turns, BURST packets between them, so
                // that a round brings as many packets as one source would
                // (and the queues after them do not overflow).
                let each = src.packets.div_ceil(frames.len() as u64);
                let turn = SourceOptions {
                    burst: (src.burst / frames.len()).max(1),
                    ..src
                };
                let _ = writeln!(preamble, "elementclass {SOURCE_CLASS} {{");
                for (i, f) in frames.iter().enumerate() {
                    let s = infinite_source(&f.frame(size), each, turn);
                    let _ = writeln!(preamble, "  s{i} :: {s}{wrap} -> output;");
                }
                preamble.push_str("}\n");
                (SOURCE_CLASS.to_string(), each * frames.len() as u64)
            }
            Traffic::Flows { flows, udp } => {
                let ip = |a: [u8; 4]| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                let mac = |m: [u8; 6]| {
                    m.iter()
                        .map(|b| format!("{b:x}"))
                        .collect::<Vec<_>>()
                        .join(":")
                };
                let _ = writeln!(
                    preamble,
                    "elementclass {SOURCE_CLASS} {{ FastUDPFlows(0, -1, {size}, {}, {}, {}, {}, {flows}, 1000000000) -> Unqueue(BURST 256){wrap} -> output }}",
                    mac(udp.src_mac),
                    ip(udp.src),
                    mac(udp.dst_mac),
                    ip(udp.dst),
                );
                (SOURCE_CLASS.to_string(), 0)
            }
        };
        let mut replacements = Vec::new();
        for e in &graph.elements {
            let with = match e.class.as_str() {
                "FromDevice" if e.name == "in0" => source.clone(),
                "FromDevice" => match &self.prime {
                    Some((device, frame)) if *device == e.name => format!(
                        "InfiniteSource(DATA {}, LIMIT 1, BURST 1, STOP false)",
                        hex_data(frame)
                    ),
                    _ => "Idle".to_string(),
                },
                "ToDevice" => "Discard(BURST 256)".to_string(),
                _ => continue,
            };
            replacements.push(format!("{}={with}", e.name));
        }
        if let Some(edit) = self.edit {
            replacements.extend(edit(&graph));
        }
        for r in &replacements {
            let r: clickconf::Replacement =
                r.parse().map_err(|e| Skip::Broken(format!("{r}: {e}")))?;
            graph
                .replace(&r)
                .map_err(|e| Skip::Broken(format!("{}: {e}", r.name)))?;
        }
        if !graph.elements.iter().any(|e| e.name == "in0") {
            return Err(Skip::Broken("no element named in0".into()));
        }
        for sink in self.sinks {
            if graph.find(sink).is_none() {
                return Err(Skip::Broken(format!("no element named {sink}")));
            }
        }
        Ok(Prepared {
            text: preamble + &graph.to_click(),
            sink_handlers: self.sinks.iter().map(|s| format!("{s}.count")).collect(),
            sent: (!self.timed()).then_some(sent),
            timed: self.timed(),
        })
    }
}

fn infinite_source(frame: &[u8], limit: u64, src: SourceOptions) -> String {
    format!(
        "InfiniteSource(DATA {}, LIMIT {limit}, BURST {}, STOP true, TIMESTAMP {})",
        hex_data(frame),
        src.burst,
        src.timestamp
    )
}

/// One run: packets delivered, wall-clock and CPU seconds.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    pub delivered: u64,
    pub wall: f64,
    pub cpu: f64,
}

impl Measure {
    fn cpu_mpps(&self) -> f64 {
        self.delivered as f64 / self.cpu.max(1e-6) / 1e6
    }
    fn wall_mpps(&self) -> f64 {
        self.delivered as f64 / self.wall.max(1e-6) / 1e6
    }
}

/// Runs `p` in this process on one thread.
pub fn run_ours(registry: &Registry, p: &Prepared, seconds: f64) -> Result<Measure> {
    let router =
        Router::from_text("<bench>", &p.text, registry).map_err(|e| anyhow!("{}", e.render()))?;
    packet::prewarm(4096);
    let timer = p.timed.then(|| {
        let stop = router.stop_handle();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(seconds));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        })
    });
    let cpu = cpu_seconds(false);
    let started = Instant::now();
    router.run(&RunOptions { threads: 1 });
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(false) - cpu;
    if let Some(t) = timer {
        let _ = t.join();
    }
    let mut delivered = 0;
    for h in &p.sink_handlers {
        let v = router.read_handler(h).map_err(|e| anyhow!("{h}: {e}"))?;
        delivered += v
            .trim()
            .parse::<u64>()
            .with_context(|| format!("{h}: {v}"))?;
    }
    Ok(Measure {
        delivered,
        wall,
        cpu,
    })
}

/// Handler values as Click's driver prints them at exit: the bare value
/// for one handler, `name:\nvalue\n\n` blocks for several.
pub fn parse_click_handlers(out: &str, handlers: &[String]) -> Result<Vec<u64>> {
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .with_context(|| format!("not a count: {s:?}"))
    };
    if handlers.len() == 1 {
        return Ok(vec![number(out)?]);
    }
    let mut values = Vec::with_capacity(handlers.len());
    for h in handlers {
        let header = format!("{h}:\n");
        let at = out
            .find(&header)
            .ok_or_else(|| anyhow!("Click printed no {h}"))?;
        let rest = &out[at + header.len()..];
        values.push(number(rest.lines().next().unwrap_or(""))?);
    }
    Ok(values)
}

/// Click's driver on `file`; timed runs are stopped with SIGINT after
/// `seconds` (Click then prints the handlers). CPU time is the child's.
fn click_process(click: &Path, file: &Path, p: &Prepared, seconds: f64) -> Result<Measure> {
    let cpu = cpu_seconds(true);
    let started = Instant::now();
    let mut cmd = click_command(click);
    cmd.arg(file);
    for h in &p.sink_handlers {
        cmd.args(["-h", h]);
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", click.display()))?;
    if p.timed {
        std::thread::sleep(Duration::from_secs_f64(seconds));
        // SAFETY: kill sends a signal to the child we started and have not
        // yet waited for.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
    }
    let out = child.wait_with_output().context("waiting for click")?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(true) - cpu;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && !p.timed {
        bail!("click exited with {}: {}", out.status, first_line(&stderr));
    }
    let delivered = parse_click_handlers(&stdout, &p.sink_handlers)
        .map_err(|e| anyhow!("{e}: {}", first_line(&stderr)))?
        .into_iter()
        .sum();
    Ok(Measure {
        delivered,
        wall,
        cpu,
    })
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// Click's start-up (parse, initialize, exit: `click -q`), taken off each
/// run's times, since ours are timed from the start of the run.
fn click_startup(click: &Path, file: &Path) -> Result<(f64, f64)> {
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let cpu = cpu_seconds(true);
        let started = Instant::now();
        let out = click_command(click)
            .arg("-q")
            .arg(file)
            .output()
            .with_context(|| format!("running {}", click.display()))?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(true) - cpu;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let line = first_line(&err);
            // Click names the scratch file and line first: leave that out.
            let line = line
                .strip_prefix(&*file.to_string_lossy())
                .and_then(|l| l.strip_prefix(':'))
                .and_then(|l| l.split_once(": "))
                .map_or(line, |(_, msg)| msg);
            bail!("{line}");
        }
        best = (best.0.min(wall), best.1.min(cpu));
    }
    Ok(best)
}

/// Options of `yard bench --apps`.
pub struct AppOptions {
    pub packets: u64,
    pub runs: usize,
    pub sizes: Vec<usize>,
    pub source: SourceOptions,
    pub seconds: f64,
    pub click: Option<PathBuf>,
    pub only: Option<String>,
    pub markdown: bool,
    /// Write each workload's text to this directory (`NAME-SIZE.click`)
    /// instead of measuring.
    pub emit: Option<PathBuf>,
}

/// One row of the report.
struct Row {
    name: String,
    ours: Option<(f64, f64)>,
    click: Option<(f64, f64)>,
    notes: Vec<String>,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn delivered_note(who: &str, runs: &[Measure], sent: Option<u64>) -> Option<String> {
    let sent = sent?;
    let least = runs.iter().map(|m| m.delivered).min()?;
    let share = least as f64 / sent.max(1) as f64;
    (share < 0.99).then(|| format!("{who} delivered {:.1}%", share * 100.0))
}

/// Measures one workload at one size.
fn measure(
    w: &Workload,
    registry: &Registry,
    size: usize,
    options: &AppOptions,
    scratch: &Path,
) -> Row {
    let mut row = Row {
        name: w.name.clone(),
        ours: None,
        click: None,
        notes: Vec::new(),
    };
    if !w.note.is_empty() {
        row.notes.push(w.note.clone());
    }
    let p = match w.prepare(registry, size, options.source) {
        Ok(p) => p,
        Err(Skip::Missing(path)) => {
            row.notes = vec![format!("missing ({})", path.display())];
            return row;
        }
        Err(Skip::Broken(e)) => {
            row.notes = vec![format!("not measured: {}", first_line(&e))];
            return row;
        }
    };
    let file = scratch.join(format!("{}-{size}.click", w.name));
    if let Err(e) = std::fs::write(&file, &p.text) {
        row.notes.push(format!("Click not run: {e}"));
    }
    let mut click = options.click.clone().filter(|_| file.is_file());
    let mut startup = (0.0, 0.0);
    if let Some(c) = &click {
        match click_startup(c, &file) {
            Ok(s) => startup = s,
            Err(e) => {
                row.notes.push(format!("Click cannot run it: {e:#}"));
                click = None;
            }
        }
    }
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    // One run not counted: ours runs in this process, whose first runs of
    // a workload still grow the buffer pool and fault in its pages (Click
    // starts afresh each time, and its start-up is taken off).
    let _ = run_ours(registry, &p, options.seconds.min(0.2));
    for _ in 0..options.runs {
        // Interleaved, so that machine noise affects both alike.
        match run_ours(registry, &p, options.seconds) {
            Ok(m) => ours.push(m),
            Err(e) => {
                row.notes
                    .push(format!("ours failed: {}", first_line(&e.to_string())));
                break;
            }
        }
        if let Some(c) = &click {
            match click_process(c, &file, &p, options.seconds) {
                Ok(mut m) => {
                    m.wall = (m.wall - startup.0).max(1e-6);
                    m.cpu = (m.cpu - startup.1).max(1e-6);
                    theirs.push(m);
                }
                Err(e) => {
                    row.notes.push(format!("Click failed: {e:#}"));
                    click = None;
                }
            }
        }
    }
    let _ = std::fs::remove_file(&file);
    let summary = |runs: &[Measure]| {
        (!runs.is_empty()).then(|| {
            (
                median(runs.iter().map(Measure::cpu_mpps).collect()),
                median(runs.iter().map(Measure::wall_mpps).collect()),
            )
        })
    };
    row.ours = summary(&ours);
    row.click = summary(&theirs);
    row.notes.extend(delivered_note("yard", &ours, p.sent));
    row.notes.extend(delivered_note("Click", &theirs, p.sent));
    if ours.iter().any(|m| m.delivered == 0) {
        row.notes.push("yard delivered nothing".into());
    }
    if theirs.iter().any(|m| m.delivered == 0) {
        row.notes.push("Click delivered nothing".into());
    }
    row
}

fn fmt_rate(r: Option<(f64, f64)>, pick: fn((f64, f64)) -> f64) -> String {
    r.map(|r| format!("{:.2}", pick(r)))
        .unwrap_or_else(|| "-".into())
}

fn ratio(row: &Row) -> String {
    match (row.ours, row.click) {
        (Some(o), Some(c)) if c.0 > 0.0 => format!("{:.2}x", o.0 / c.0),
        _ => "-".into(),
    }
}

/// Runs `yard bench --apps` and returns its report.
pub fn run(options: &AppOptions) -> Result<String> {
    let registry = elements::registry();
    let scratch = std::env::temp_dir().join(format!("yard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).context("scratch directory")?;
    let load_before = load_average();
    let started = Instant::now();
    let selected: Vec<Workload> = workloads()
        .into_iter()
        .filter(|w| {
            options.only.as_deref().is_none_or(|o| {
                w.name
                    .to_ascii_lowercase()
                    .starts_with(&o.to_ascii_lowercase())
            })
        })
        .collect();
    if let Some(dir) = &options.emit {
        std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
        let mut report = String::new();
        for (k, &size) in options.sizes.iter().enumerate() {
            for w in selected.iter().filter(|w| w.all_sizes || k == 0) {
                match w.prepare(&registry, size, options.source) {
                    Ok(p) => {
                        let file = dir.join(format!("{}-{size}.click", w.name));
                        std::fs::write(&file, &p.text)
                            .with_context(|| file.display().to_string())?;
                        let _ = writeln!(
                            report,
                            "{} (sinks: {})",
                            file.display(),
                            p.sink_handlers.join(" ")
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(report, "{} {size}: {e:?}", w.name);
                    }
                }
            }
        }
        return Ok(report);
    }
    let mut tables: Vec<(usize, Vec<Row>)> = Vec::new();
    for (k, &size) in options.sizes.iter().enumerate() {
        let mut rows = Vec::new();
        for w in &selected {
            if !w.all_sizes && k > 0 {
                continue;
            }
            rows.push(measure(w, &registry, size, options, &scratch));
        }
        tables.push((size, rows));
    }
    let _ = std::fs::remove_dir(&scratch);
    let mut report = String::new();
    let header = [
        format!(
            "yard bench --apps: one core; {} packets per run ({:.1} s for FastUDPFlows workloads), median of {} runs (ours after one run not counted)",
            options.packets, options.seconds, options.runs
        ),
        match &options.click {
            Some(c) => format!("Click: userlevel driver at {}, on the same text", c.display()),
            None => "Click: not found (set CLICK=/path/to/click)".to_string(),
        },
        format!(
            "sources: InfiniteSource BURST {}, TIMESTAMP {}; devices: FromDevice -> source/Idle, ToDevice -> Discard(BURST 256)",
            options.source.burst, options.source.timestamp
        ),
        "Mpps = packets delivered to the sinks per CPU-second (getrusage), then per wall-clock second; Click's start-up (click -q) is taken off its times".to_string(),
        format!("Click runs with GLIBC_TUNABLES={CLICK_TUNABLES} (glibc's heap trimming otherwise costs it most of its time after queues)"),
        format!(
            "load average {load_before} before, {} after; took {:.0} s",
            load_average(),
            started.elapsed().as_secs_f64()
        ),
    ];
    for line in &header {
        if options.markdown {
            let _ = writeln!(report, "{line}  ");
        } else {
            let _ = writeln!(report, "# {line}");
        }
    }
    for (size, rows) in &tables {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(report);
        if options.markdown {
            let _ = writeln!(report, "**{size}-byte frames**\n");
            let _ = writeln!(
                report,
                "| workload | yard Mpps | Click Mpps | ratio | yard Mpps (wall) | Click Mpps (wall) | notes |"
            );
            let _ = writeln!(report, "|---|--:|--:|--:|--:|--:|---|");
            for r in rows {
                let _ = writeln!(
                    report,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.name,
                    fmt_rate(r.ours, |r| r.0),
                    fmt_rate(r.click, |r| r.0),
                    ratio(r),
                    fmt_rate(r.ours, |r| r.1),
                    fmt_rate(r.click, |r| r.1),
                    r.notes.join("; ").replace('|', "\\|")
                );
            }
        } else {
            let _ = writeln!(report, "## {size}-byte frames");
            let _ = writeln!(
                report,
                "{:<22} {:>9} {:>10} {:>7} {:>10} {:>11}  notes",
                "workload", "yard/cpu", "click/cpu", "ratio", "yard/wall", "click/wall"
            );
            for r in rows {
                let _ = writeln!(
                    report,
                    "{:<22} {:>9} {:>10} {:>7} {:>10} {:>11}  {}",
                    r.name,
                    fmt_rate(r.ours, |r| r.0),
                    fmt_rate(r.click, |r| r.0),
                    ratio(r),
                    fmt_rate(r.ours, |r| r.1),
                    fmt_rate(r.click, |r| r.1),
                    r.notes.join("; ")
                );
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SourceOptions {
        SourceOptions {
            packets: 2000,
            burst: 64,
            timestamp: true,
        }
    }

    #[test]
    fn frames_are_valid() {
        let u = Udp::new([10, 0, 0, 1], [192, 168, 1, 2], 53);
        for len in [42, 64, 512, 1500] {
            let f = u.frame(len);
            assert_eq!(f.len(), len);
            assert_eq!(packet::checksum::checksum(&f[14..34]), 0);
            assert_eq!(u16::from_be_bytes([f[16], f[17]]) as usize, len - 14);
            assert_eq!(u16::from_be_bytes([f[38], f[39]]) as usize, len - 34);
            assert_eq!(&f[30..34], &[192, 168, 1, 2]);
        }
        let a = arp_reply(NEIGHBOR_MAC, ROUTER_HOST1, ROUTER_MAC1, ROUTER_IP1);
        assert_eq!(a.len(), 60);
        assert_eq!(&a[12..14], &[8, 6]);
        assert_eq!(&a[20..22], &[0, 2]); // reply
        assert_eq!(&a[28..32], &ROUTER_HOST1);
    }

    #[test]
    fn generated_tables_have_their_sizes() {
        let routes = generated_routes(1000);
        assert_eq!(routes.len(), 1000);
        let unique: std::collections::HashSet<_> = routes.iter().collect();
        assert_eq!(unique.len(), 1000);
        assert!(routes.iter().any(|r| r.contains("/16 ")));
        assert!(routes.iter().any(|r| r.contains(".0.0.0/8 ")));
        assert_eq!(routes.last().unwrap(), "0.0.0.0/0 192.168.1.1 2");
        assert_eq!(router_destinations().len(), 8);
    }

    #[test]
    fn click_handler_output_is_read() {
        let one = vec!["out0.count".to_string()];
        assert_eq!(parse_click_handlers("1234\n", &one).unwrap(), vec![1234]);
        let two = vec!["out0.count".to_string(), "out1.count".to_string()];
        assert_eq!(
            parse_click_handlers("out0.count:\n4\n\nout1.count:\n3\n\n", &two).unwrap(),
            vec![4, 3]
        );
        assert!(parse_click_handlers("", &one).is_err());
        assert!(parse_click_handlers("out0.count:\n4\n", &two).is_err());
    }

    #[test]
    fn missing_files_are_skipped() {
        let w = Workload::app(
            "nothing",
            "configs/does-not-exist.click",
            Udp::new([1, 1, 1, 1], [2, 2, 2, 2], 1),
            &["out0"],
        );
        let registry = elements::registry();
        assert!(matches!(
            w.prepare(&registry, 64, small()),
            Err(Skip::Missing(_))
        ));
    }

    /// Every workload whose file is there is made of in-memory sources and
    /// sinks only, both drivers can read it, and in a short run of ours its
    /// traffic reaches its sinks (it suits the application).
    #[test]
    fn every_workload_delivers_its_traffic() {
        let registry = elements::registry();
        let all = workloads();
        assert!(all.len() >= 15);
        let mut measured = 0;
        let src = SourceOptions {
            packets: 16000,
            ..small()
        };
        for w in &all {
            let p = match w.prepare(&registry, 64, src) {
                Ok(p) => p,
                Err(Skip::Missing(path)) => {
                    eprintln!("{}: missing {}", w.name, path.display());
                    continue;
                }
                Err(Skip::Broken(e)) => panic!("{}: {e}", w.name),
            };
            assert!(!p.text.contains("FromDevice"), "{}", w.name);
            assert!(!p.text.contains("ToDevice"), "{}", w.name);
            assert!(p.text.contains("in0 :: "), "{}", w.name);
            let m = run_ours(&registry, &p, 0.05).unwrap_or_else(|e| panic!("{}: {e}", w.name));
            match p.sent {
                // ARP queries may be sent besides the traffic; the first
                // round of a router's traffic may be lost while it waits
                // for the ARP reply, and the first of several sources to
                // finish stops the run.
                Some(sent) => assert!(
                    m.delivered * 10 >= sent * 9 && m.delivered <= sent + 16,
                    "{}: {} of {sent} delivered",
                    w.name,
                    m.delivered
                ),
                None => assert!(m.delivered > 0, "{}: nothing delivered", w.name),
            }
            measured += 1;
        }
        assert!(measured >= 2);
    }

    #[test]
    fn replacements_reach_the_text() {
        let registry = elements::registry();
        let all = workloads();
        let find = |n: &str| all.iter().find(|w| w.name == n).unwrap();
        let p = find("firewall-100rules")
            .prepare(&registry, 64, small())
            .unwrap();
        assert!(p.text.contains("in_f :: IPFilter("));
        assert_eq!(p.text.matches("allow udp dst port 5678").count(), 1);
        let p = find("router-1000routes")
            .prepare(&registry, 512, small())
            .unwrap();
        assert!(p.text.contains("elementclass YardBenchSource"));
        assert_eq!(p.text.matches("LIMIT 250, BURST 8,").count(), 8);
        assert!(p.text.contains("20.3.157.0/24 192.168.1.1 2"));
        assert!(p.text.contains("33.45.0.0/16 192.168.1.1 2"));
        assert!(p.text.contains("43.0.0.0/8 192.168.1.1 2"));
        assert!(p.text.contains("10.0.0.0/24 1"));
        let p = find("shaper").prepare(&registry, 1500, small()).unwrap();
        assert!(p.text.contains("shape :: Unqueue(BURST 256);"));
        let p = find("cgnat-1000flows")
            .prepare(&registry, 64, small())
            .unwrap();
        assert!(p.timed);
        assert!(p.text.contains("FastUDPFlows(0, -1, 64, 2:0:0:0:0:1, 100.64.0.1, 2:0:0:0:10:1, 203.0.113.5, 1000, 1000000000)"));
        assert!(p.text.contains("in1 :: InfiniteSource(DATA \\<"));
    }

    /// Click's driver initializes every prepared workload (those using
    /// classes it has), when it is installed.
    #[test]
    fn click_accepts_the_prepared_text() {
        let click = std::env::var_os("CLICK")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/work/peers/click/bin/click"));
        if !click.is_file() {
            eprintln!("skipped: no Click driver");
            return;
        }
        let registry = elements::registry();
        let dir = std::env::temp_dir().join(format!("yard-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for w in workloads() {
            let Ok(p) = w.prepare(&registry, 64, small()) else {
                continue;
            };
            let file = dir.join(format!("{}.click", w.name));
            std::fs::write(&file, &p.text).unwrap();
            match click_startup(&click, &file) {
                Ok(_) => {}
                Err(e) if e.to_string().contains("unknown element class") => {
                    eprintln!("{}: {e}", w.name)
                }
                Err(e) => panic!("{}: Click rejects it: {e}\n{}", w.name, p.text),
            }
            let _ = std::fs::remove_file(&file);
        }
        let _ = std::fs::remove_dir(&dir);
    }
}
