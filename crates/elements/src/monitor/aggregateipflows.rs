//! AggregateIPFlows — sets the aggregate annotation of TCP and UDP packets
//! to a flow number, and the paint annotation to the direction.
//!
//! ## Synopsis
//! `AggregateIPFlows([keywords TCP_TIMEOUT, TCP_DONE_TIMEOUT, UDP_TIMEOUT, FRAGMENT_TIMEOUT, REAP, ICMP, FRAGMENTS, TRACEINFO, SOURCE])`
//!
//! ## Ports
//! 1 input, agnostic; 1 or 2 outputs: output 0 agnostic, output 1 push.
//!
//! ## Description
//! Numbers TCP and UDP flows (addresses and ports; both directions of a
//! connection are one flow) from 1 up, and sets each packet's aggregate
//! annotation to its flow's number. The paint annotation says the
//! direction: 0 for packets that go the way of the flow's first packet,
//! 1 for replies. Packets that are not TCP or UDP, and packets too short
//! to hold the ports, leave on output 1, or are dropped (reason
//! `not_flow`) if it is not connected. The network header annotation must
//! be set (CheckIPHeader, MarkIPHeader).
//!
//! A flow ends after a timeout of packet time without packets: UDP_TIMEOUT
//! for UDP, TCP_TIMEOUT for TCP, TCP_DONE_TIMEOUT for TCP connections that
//! saw a FIN in each direction or a RST. A later packet with the same
//! addresses and ports starts a new flow with a new number; so does a SYN
//! on a finished connection. Every REAP seconds of packet time, ended flows
//! are forgotten.
//!
//! With ICMP true, ICMP errors quoting a flow's packet get that flow's
//! number and paint 2 plus the quoted packet's direction.
//!
//! With FRAGMENTS true (the default when the input is push), later
//! fragments get the number of their datagram's first fragment. To do
//! that, AggregateIPFlows holds every packet between a pair of hosts from
//! the first fragment on, until the fragment is FRAGMENT_TIMEOUT seconds
//! old (packet time) or reassembly no longer needs it; packets between two
//! hosts leave in the order they came. Later fragments whose first
//! fragment never came are dropped (reason `fragment_unmatched`). Writing
//! `clear` lets every held packet go. With FRAGMENTS false, later fragments
//! leave on output 1.
//!
//! Packets without a timestamp get the current time.
//!
//! ## Arguments
//! - `TCP_TIMEOUT` (seconds, default 86400), `TCP_DONE_TIMEOUT` (default
//!   30), `UDP_TIMEOUT` (default 60), `FRAGMENT_TIMEOUT` (default 30),
//!   `REAP` (default 1200).
//! - `ICMP` (bool, default false): number ICMP errors by the flow they
//!   quote.
//! - `FRAGMENTS` (bool): see above; true is refused when the input is
//!   pull.
//! - `TRACEINFO` (file name, `-` for standard output): write an XML record
//!   of every flow when it is forgotten (`<flow aggregate=… src=… sport=…
//!   dst=… dport=… begin=… duration=…>` with the packet count of each
//!   direction), inside `<trace>` … `</trace>`.
//! - `SOURCE` (element name): accepted; see differences.
//!
//! ## Handlers
//! - `clear` (write): forget every flow (later packets get new numbers) and
//!   release every held packet.
//!
//! ## Differences from Click
//! - Packets released by `clear` leave from the element's task, right
//!   after the handler call, rather than inside it.
//! - SOURCE is accepted but its `filename` and `packet_filepos` are not
//!   recorded in TRACEINFO.
//! - TRACEINFO packet counts start again for each new flow number (Click
//!   keeps counting when a flow of the same addresses and ports restarts).
//! - Timeouts accept fractions of a second; they are compared in whole
//!   seconds, as Click does.
//! - Host pairs without flows or held packets are forgotten at reaping
//!   (Click keeps them), so memory stays bounded.
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true, FORCE_IP true)
//!   -> af :: AggregateIPFlows -> AggregateCounter -> Discard;
//! ```

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{Packet, PacketBatch, Timestamp, anno::offset};

use crate::nat::flow::FlowHashState;

pub const SPEC: ElementSpec = ElementSpec {
    class: "AggregateIPFlows",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("aggregateipflows.rs"),
    drop_reasons: &["not_flow", "fragment_unmatched"],
    handlers: &[HandlerSpec::write(
        "clear",
        "forget every flow and release held packets",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NOT_FLOW: DropReason = DropReason(0);
const FRAGMENT_UNMATCHED: DropReason = DropReason(1);

/// One flow of a host pair.
#[derive(Clone, Copy)]
struct FlowInfo {
    /// The two ports as they sit in the packet, in native order, turned so
    /// that the first belongs to the host pair's first address.
    ports: u32,
    aggregate: u32,
    last: Timestamp,
    /// Bit 0: FIN from direction 0; bit 1: FIN from direction 1; 3: over.
    over: u8,
    /// The flow's first packet came from the pair's second address.
    reverse: bool,
    first: Timestamp,
    packets: [u32; 2],
}

/// A packet held while fragments are sorted out, with what emitting it
/// needs to know of its (quoted, for ICMP errors) IP header.
struct Held {
    packet: Packet,
    id: u16,
    is_fragment: bool,
    /// TCP flags of a first-fragment TCP packet whose header holds them.
    tcp_flags: Option<u8>,
}

#[derive(Default)]
struct HostPairInfo {
    flows: Vec<FlowInfo>,
    held: VecDeque<Held>,
}

/// Addresses as Click stores them (raw bytes as a native integer), lower
/// first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct HostPair {
    a: u32,
    b: u32,
}

impl HostPair {
    fn new(x: u32, y: u32) -> HostPair {
        if x > y {
            HostPair { a: y, b: x }
        } else {
            HostPair { a: x, b: y }
        }
    }
}

type Map = HashMap<HostPair, HostPairInfo, FlowHashState>;

struct AggregateIPFlows {
    tcp: Map,
    udp: Map,
    hasher: FlowHashState,
    next: u32,
    active_sec: i64,
    gc_sec: i64,
    tcp_timeout: i64,
    tcp_done_timeout: i64,
    udp_timeout: i64,
    smallest_timeout: i64,
    fragment_timeout: i64,
    gc_interval: i64,
    icmp: bool,
    /// `None` until initialize resolves the default.
    fragments: Option<bool>,
    has_reject: bool,
    traceinfo_path: Option<String>,
    traceinfo: Option<Box<dyn std::io::Write + Send>>,
    traceinfo_stdout: bool,
    /// Packets released by `clear`, sent by the task.
    released: Vec<Held>,
    released_drops: u64,
    clock: Arc<dyn Clock>,
    scratch: PacketBatch,
}

fn whole_seconds(s: Seconds) -> i64 {
    i64::try_from(s.0.as_secs()).unwrap_or(i64::MAX / 4)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let secs = |v: Option<Seconds>, default: i64| v.map_or(default, whole_seconds);
    let tcp_timeout = secs(args.read::<Seconds>("TCP_TIMEOUT")?, 24 * 60 * 60);
    let tcp_done_timeout = secs(args.read::<Seconds>("TCP_DONE_TIMEOUT")?, 30);
    let udp_timeout = secs(args.read::<Seconds>("UDP_TIMEOUT")?, 60);
    let fragment_timeout = secs(args.read::<Seconds>("FRAGMENT_TIMEOUT")?, 30);
    let gc_interval = secs(args.read::<Seconds>("REAP")?, 20 * 60);
    let icmp = args.read::<bool>("ICMP")?.unwrap_or(false);
    let traceinfo_path = args.read::<String>("TRACEINFO")?;
    let _source = args.read::<String>("SOURCE")?;
    let fragments = args.read::<bool>("FRAGMENTS")?;
    let hasher = FlowHashState::random();
    Ok(Box::new(AggregateIPFlows {
        tcp: HashMap::with_hasher(hasher),
        udp: HashMap::with_hasher(hasher),
        hasher,
        next: 1,
        active_sec: 0,
        gc_sec: 0,
        tcp_timeout,
        tcp_done_timeout,
        udp_timeout,
        smallest_timeout: tcp_timeout.min(tcp_done_timeout).min(udp_timeout),
        fragment_timeout,
        gc_interval,
        icmp,
        fragments,
        has_reject: cx.noutputs > 1,
        traceinfo_path,
        traceinfo: None,
        traceinfo_stdout: false,
        released: Vec::new(),
        released_drops: 0,
        clock: cx.clock.clone(),
        scratch: PacketBatch::new(),
    }))
}

fn sec(t: Timestamp) -> i64 {
    i64::try_from(t.sec()).unwrap_or(i64::MAX / 4)
}

fn is_fragment(ip: &[u8]) -> bool {
    u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0
}

fn first_fragment(ip: &[u8]) -> bool {
    u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0
}

/// The IP header a packet is numbered by: its own, or for an ICMP error
/// (with `icmp`), the quoted one. Offsets are into the network header.
/// `Err(())` when the packet cannot be numbered.
fn numbered_header(ip: &[u8], icmp: bool) -> Result<(usize, bool), ()> {
    if ip.len() < 20 {
        return Err(());
    }
    if icmp && ip[9] == 1 && first_fragment(ip) {
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let t = ip.get(hl..).unwrap_or(&[]);
        if t.len() < 8 || !matches!(t[0], 3 | 4 | 5 | 11 | 12) {
            return Err(());
        }
        let inner = &t[8..];
        let ihl = inner.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
        if ihl < 20 || t.len() < 8 + ihl {
            return Err(());
        }
        return Ok((hl + 8, true));
    }
    Ok((0, false))
}

fn native(b: &[u8]) -> u32 {
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

fn flip_ports(ports: u32) -> u32 {
    ports.rotate_left(16)
}

fn ports_reverse_order(ports: u32) -> bool {
    ((ports << 16).wrapping_sub(ports) as i32) < 0
}

fn aggregate_of(p: &Packet) -> u32 {
    p.anno()
        .get::<4>(offset::AGGREGATE)
        .map_or(0, u32::from_ne_bytes)
}

fn set_aggregate(p: &mut Packet, agg: u32, paint: u8) {
    p.anno_mut().set(offset::AGGREGATE, &agg.to_ne_bytes());
    p.anno_mut().set_paint(paint);
}

impl AggregateIPFlows {
    fn fragments_on(&self) -> bool {
        self.fragments.unwrap_or(true)
    }

    fn write_flow(&mut self, hp: HostPair, f: &FlowInfo) {
        let Some(out) = self.traceinfo.as_mut() else {
            return;
        };
        let (src, dst) = if f.reverse {
            (hp.b, hp.a)
        } else {
            (hp.a, hp.b)
        };
        let be = u32::from_be_bytes(f.ports.to_ne_bytes());
        let (sport, dport) = if f.reverse {
            (be & 0xffff, be >> 16)
        } else {
            (be >> 16, be & 0xffff)
        };
        let duration = f.last.0.wrapping_sub(f.first.0);
        let _ = write!(
            out,
            "<flow aggregate='{}' src='{}' sport='{sport}' dst='{}' dport='{dport}' begin='{}.{:09}' duration='{}.{:09}'>\n  <stream dir='0' packets='{}' /><stream dir='1' packets='{}' />\n</flow>\n",
            f.aggregate,
            Ipv4Addr::from(src.to_ne_bytes()),
            Ipv4Addr::from(dst.to_ne_bytes()),
            f.first.sec(),
            f.first.nsec(),
            duration / 1_000_000_000,
            duration % 1_000_000_000,
            f.packets[0],
            f.packets[1],
        );
    }

    /// Finds or makes the flow of `ports` between `hp`; returns its index
    /// in the host pair's list, and the flow it replaced if the old one
    /// had ended.
    fn find_flow(
        &mut self,
        udp: bool,
        hp: HostPair,
        ports: u32,
        flipped: bool,
        now: Timestamp,
        syn: bool,
    ) -> (usize, Option<FlowInfo>) {
        let smallest = self.smallest_timeout;
        let timeouts = (self.udp_timeout, self.tcp_timeout, self.tcp_done_timeout);
        let next = &mut self.next;
        let map = if udp { &mut self.udp } else { &mut self.tcp };
        let info = map.entry(hp).or_default();
        if let Some(i) = info.flows.iter().position(|f| f.ports == ports) {
            let f = &mut info.flows[i];
            let age = sec(now) - sec(f.last);
            let relevant = if udp {
                timeouts.0
            } else if f.over == 3 {
                timeouts.2
            } else {
                timeouts.1
            };
            if (age > smallest && age > relevant) || (f.over == 3 && syn) {
                let old = *f;
                f.aggregate = *next;
                *next = next.wrapping_add(1);
                f.reverse = flipped;
                f.over = 0;
                f.first = now;
                f.packets = [0, 0];
                return (i, Some(old));
            }
            return (i, None);
        }
        info.flows.push(FlowInfo {
            ports,
            aggregate: *next,
            last: now,
            over: 0,
            reverse: flipped,
            first: now,
            packets: [0, 0],
        });
        *next = next.wrapping_add(1);
        (info.flows.len() - 1, None)
    }

    /// Records an emitted packet in its flow: time, end of connection,
    /// direction counts.
    fn emit_hook(f: &mut FlowInfo, ts: Timestamp, paint: u8, tcp_flags: Option<u8>) {
        f.last = ts;
        if paint < 2
            && let Some(flags) = tcp_flags
        {
            if flags & 0x04 != 0 {
                f.over = 3;
            } else if flags & 0x01 != 0 {
                f.over |= 1 << paint;
            } else if flags & 0x02 != 0 {
                f.over = 0;
            }
        }
        if paint < 2 {
            f.packets[usize::from(paint)] = f.packets[usize::from(paint)].wrapping_add(1);
        }
    }

    /// Sends the first held packet of `info` on, giving it (or taking
    /// from) its datagram's other fragments the flow number.
    fn emit_head(info: &mut HostPairInfo, emitted: &mut Vec<Held>, unmatched: &mut u64) {
        let Some(mut head) = info.held.pop_front() else {
            return;
        };
        let agg = aggregate_of(&head.packet);
        if agg != 0 {
            let paint = head.packet.anno().paint();
            for h in info.held.iter_mut().filter(|h| h.id == head.id) {
                set_aggregate(&mut h.packet, agg, paint);
            }
        } else {
            let found = info
                .held
                .iter()
                .find(|h| h.id == head.id && aggregate_of(&h.packet) != 0)
                .map(|h| (aggregate_of(&h.packet), h.packet.anno().paint()));
            match found {
                Some((agg, paint)) => set_aggregate(&mut head.packet, agg, paint),
                None => {
                    *unmatched += 1;
                    return;
                }
            }
        }
        let agg = aggregate_of(&head.packet);
        if let Some(f) = info.flows.iter_mut().find(|f| f.aggregate == agg) {
            let ts = head.packet.anno().timestamp;
            Self::emit_hook(f, ts, head.packet.anno().paint(), head.tcp_flags);
        }
        emitted.push(head);
    }

    /// Releases held packets of `info` that are too old or no longer wait
    /// for anything.
    fn release_old(
        info: &mut HostPairInfo,
        frag_deadline: i64,
        emitted: &mut Vec<Held>,
        unmatched: &mut u64,
    ) {
        while let Some(head) = info.held.front() {
            if sec(head.packet.anno().timestamp) < frag_deadline || !head.is_fragment {
                Self::emit_head(info, emitted, unmatched);
            } else {
                break;
            }
        }
    }

    fn reap_map(&mut self, udp: bool, emitted: &mut Vec<Held>, unmatched: &mut u64) {
        let (timeout, done) = if udp {
            (self.udp_timeout, self.udp_timeout)
        } else {
            (self.tcp_timeout, self.tcp_done_timeout)
        };
        let timeout = self.active_sec.saturating_sub(timeout);
        let done = self.active_sec.saturating_sub(done);
        let frag_deadline = self.active_sec.saturating_sub(self.fragment_timeout);
        let empty = HashMap::with_hasher(self.hasher);
        let mut map = std::mem::replace(if udp { &mut self.udp } else { &mut self.tcp }, empty);
        let mut gone: Vec<(HostPair, FlowInfo)> = Vec::new();
        map.retain(|hp, info| {
            Self::release_old(info, frag_deadline, emitted, unmatched);
            if !info.held.is_empty() {
                return true;
            }
            let mut i = 0;
            while i < info.flows.len() {
                let f = &info.flows[i];
                let limit = if f.over == 3 { done } else { timeout };
                if sec(f.last) < limit {
                    gone.push((*hp, info.flows.swap_remove(i)));
                } else {
                    i += 1;
                }
            }
            !info.flows.is_empty()
        });
        *(if udp { &mut self.udp } else { &mut self.tcp }) = map;
        for (hp, f) in gone {
            self.write_flow(hp, &f);
        }
    }

    fn reap(&mut self, emitted: &mut Vec<Held>, unmatched: &mut u64) {
        if self.gc_sec != 0 {
            self.reap_map(false, emitted, unmatched);
            self.reap_map(true, emitted, unmatched);
        }
        self.gc_sec = self.active_sec.saturating_add(self.gc_interval);
    }

    /// Numbers one packet: `Ok(Some(p))` to send on, `Ok(None)` when held,
    /// `Err(p)` for output 1. Packets released from holding (this one
    /// included, possibly) go to `emitted`.
    fn handle(
        &mut self,
        mut p: Packet,
        emitted: &mut Vec<Held>,
        unmatched: &mut u64,
    ) -> Result<Option<Packet>, Packet> {
        if p.anno().timestamp == Timestamp(0) {
            p.anno_mut().timestamp = self.clock.wall();
        }
        let now = p.anno().timestamp;
        let Some(outer) = p.network_header() else {
            return Err(p);
        };
        let Ok((at, quoted)) = numbered_header(outer, self.icmp) else {
            return Err(p);
        };
        let ip = &outer[at..];
        if ip.len() < 20 {
            return Err(p);
        }
        let udp = match ip[9] {
            6 => false,
            17 => true,
            _ => return Err(p),
        };
        let (src, dst) = (native(&ip[12..16]), native(&ip[16..20]));
        if src == 0 && dst == 0 {
            return Err(p);
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let frag = is_fragment(ip);
        let first = first_fragment(ip);
        let id = u16::from_be_bytes([ip[4], ip[5]]);
        // The end-of-connection check reads the packet's own TCP header.
        let own_hl = usize::from(outer[0] & 0x0f) * 4;
        let tcp_flags = if !udp && first && !quoted {
            outer.get(own_hl + 13).copied()
        } else {
            None
        };
        let syn = outer[9] == 6
            && first_fragment(outer)
            && outer.get(own_hl + 13).is_some_and(|f| f & 0x02 != 0);
        let ports = if first {
            match ip.get(hl..hl + 4) {
                Some(b) => Some(native(b)),
                None => return Err(p),
            }
        } else {
            None
        };
        let hp = HostPair::new(src, dst);
        let mut paint: u8 = if quoted { 2 } else { 0 };
        if hp.a != src {
            paint ^= 1;
        }
        let flow = match ports {
            Some(mut ports) => {
                if hp.a == hp.b && ports_reverse_order(ports) {
                    paint ^= 1;
                }
                if paint & 1 != 0 {
                    ports = flip_ports(ports);
                }
                let (i, retired) = self.find_flow(udp, hp, ports, paint & 1 != 0, now, syn);
                if let Some(old) = retired {
                    self.write_flow(hp, &old);
                }
                let map = if udp { &self.udp } else { &self.tcp };
                let f = &map[&hp].flows[i];
                if f.reverse {
                    paint ^= 1;
                }
                set_aggregate(&mut p, f.aggregate, paint);
                Some(i)
            }
            None => {
                set_aggregate(&mut p, 0, paint);
                None
            }
        };
        let fragments = self.fragments_on();
        let fragment_timeout = self.fragment_timeout;
        let map = if udp { &mut self.udp } else { &mut self.tcp };
        let holding = map.get(&hp).is_some_and(|info| !info.held.is_empty());
        if (fragments && frag) || holding {
            self.active_sec = sec(now);
            let deadline = self.active_sec.saturating_sub(fragment_timeout);
            let info = map.entry(hp).or_default();
            info.held.push_back(Held {
                packet: p,
                id,
                is_fragment: frag,
                tcp_flags,
            });
            Self::release_old(info, deadline, emitted, unmatched);
            return Ok(None);
        }
        let Some(i) = flow else {
            return Err(p);
        };
        if let Some(f) = map.get_mut(&hp).and_then(|info| info.flows.get_mut(i)) {
            Self::emit_hook(f, now, paint, tcp_flags);
        }
        self.active_sec = sec(now);
        Ok(Some(p))
    }

    fn reject(&self, p: Packet, out: &mut Output) {
        if self.has_reject {
            out.emit(1, p);
        } else {
            out.drop(p, NOT_FLOW);
        }
    }

    fn open_traceinfo(&mut self) -> Result<(), ConfigError> {
        let Some(path) = self.traceinfo_path.clone() else {
            return Ok(());
        };
        let mut w: Box<dyn std::io::Write + Send> = if path == "-" {
            self.traceinfo_stdout = true;
            Box::new(std::io::stdout())
        } else {
            let f = std::fs::File::create(&path)
                .map_err(|e| ConfigError::msg(format!("TRACEINFO {path}: {e}")))?;
            Box::new(std::io::BufWriter::new(f))
        };
        let _ = w.write_all(b"<?xml version='1.0' standalone='yes'?>\n<trace>\n");
        self.traceinfo = Some(w);
        Ok(())
    }
}

impl Element for AggregateIPFlows {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let pull = cx.input(0) == Processing::Pull;
        match self.fragments {
            Some(true) if pull => {
                return Err(ConfigError::msg(
                    "'FRAGMENTS true' is incompatible with pull; run this element in a push context",
                ));
            }
            None => self.fragments = Some(!pull),
            _ => {}
        }
        if self.fragments_on() {
            cx.schedule_task();
        }
        self.open_traceinfo()
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let mut emitted = Vec::new();
        let mut unmatched = 0;
        for p in batch.drain() {
            let action = self.handle(p, &mut emitted, &mut unmatched);
            if self.active_sec >= self.gc_sec {
                self.reap(&mut emitted, &mut unmatched);
            }
            for h in emitted.drain(..) {
                out.emit(0, h.packet);
            }
            match action {
                Ok(Some(p)) => out.emit(0, p),
                Ok(None) => {}
                Err(p) => self.reject(p, out),
            }
        }
        out.count_drops(FRAGMENT_UNMATCHED, unmatched);
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        let mut batch = std::mem::take(&mut self.scratch);
        cx.pull_input(0, max, &mut batch);
        let mut emitted = Vec::new();
        let mut unmatched = 0;
        for p in batch.drain() {
            let action = self.handle(p, &mut emitted, &mut unmatched);
            if self.active_sec >= self.gc_sec {
                self.reap(&mut emitted, &mut unmatched);
            }
            for h in emitted.drain(..) {
                into.push(h.packet);
            }
            match action {
                Ok(Some(p)) => into.push(p),
                Ok(None) => {}
                Err(p) => self.reject(p, out),
            }
        }
        out.count_drops(FRAGMENT_UNMATCHED, unmatched);
        self.scratch = batch;
    }

    fn run_task(&mut self, _cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        out.count_drops(FRAGMENT_UNMATCHED, std::mem::take(&mut self.released_drops));
        if self.released.is_empty() {
            return TaskStatus::Idle(None);
        }
        for h in self.released.drain(..) {
            out.emit(0, h.packet);
        }
        TaskStatus::Worked
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "clear" => {
                let (active, gc) = (self.active_sec, self.gc_sec);
                self.active_sec = i64::MAX / 4;
                self.gc_sec = i64::MAX / 4;
                let mut emitted = std::mem::take(&mut self.released);
                let mut unmatched = self.released_drops;
                self.reap(&mut emitted, &mut unmatched);
                self.released = emitted;
                self.released_drops = unmatched;
                self.active_sec = active;
                self.gc_sec = gc;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn held(&self) -> usize {
        let held: usize = self
            .tcp
            .values()
            .chain(self.udp.values())
            .map(|i| i.held.len())
            .sum();
        held + self.released.len()
    }

    fn finish(&mut self) {
        if self.traceinfo.is_none() {
            return;
        }
        for udp in [false, true] {
            let empty = HashMap::with_hasher(self.hasher);
            let map = std::mem::replace(if udp { &mut self.udp } else { &mut self.tcp }, empty);
            for (hp, info) in &map {
                for f in &info.flows {
                    self.write_flow(*hp, f);
                }
            }
            *(if udp { &mut self.udp } else { &mut self.tcp }) = map;
        }
        if let Some(mut w) = self.traceinfo.take() {
            if !self.traceinfo_stdout {
                let _ = w.write_all(b"</trace>\n");
            }
            let _ = w.flush();
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::ip::testing::{assert_accounted, ether_ip, run_through};

    fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8) -> Vec<u8> {
        let mut ip = vec![
            0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, src[0], src[1], src[2], src[3], dst[0],
            dst[1], dst[2], dst[3],
        ];
        ip.extend_from_slice(&sport.to_be_bytes());
        ip.extend_from_slice(&dport.to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0x20, 0, 0, 0, 0, 0]);
        ether_ip(&ip)
    }

    #[test]
    fn both_directions_share_a_number_and_differ_in_paint() {
        let frames = vec![
            tcp([10, 0, 0, 2], [10, 0, 0, 1], 80, 1000, 0x02),
            tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 0x12),
            tcp([10, 0, 0, 3], [10, 0, 0, 1], 5, 6, 0x02),
            vec![0u8; 20],
        ];
        let (router, stats) = run_through(
            "e :: MarkIPHeader(14) -> a :: AggregateIPFlows -> c :: AggregateCounter -> Discard; \
             a[1] -> r :: Counter -> Discard; Idle -> e",
            &frames,
        );
        assert_accounted(&stats, 4);
        assert_eq!(router.read_handler("c.nagg").unwrap(), "2");
        assert_eq!(router.read_handler("r.count").unwrap(), "1");
    }

    #[test]
    fn traceinfo_lists_every_flow_and_clear_releases_held_packets() {
        let trace = std::env::temp_dir().join(format!("aif-trace-{}.xml", std::process::id()));
        let cfg = format!(
            "FromDump({}/../../testdata/captures/monitor-flows.pcap, STOP true) -> MarkIPHeader(14) \
             -> af :: AggregateIPFlows(TRACEINFO {}) -> c :: Counter -> Discard; af[1] -> Discard",
            env!("CARGO_MANIFEST_DIR"),
            trace.display()
        );
        let router = engine::Router::from_text("t", &cfg, &crate::registry()).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        // The fragments of the trace were released when the later packet
        // came 40 s on; a new first fragment is held until `clear`, and
        // then sent by the task.
        let af = router.find("af").unwrap();
        assert_eq!(router.stats(af).held, 0);
        let mut ip = crate::ip::testing::ipv4_udp(64, [10, 9, 9, 1], [10, 9, 9, 2]);
        ip[6] = 0x20;
        let mut batch = packet::PacketBatch::new();
        batch.push(packet::Packet::from_slice(&crate::ip::testing::ether_ip(&ip)).unwrap());
        let m = router.find("MarkIPHeader@2").unwrap();
        router.inject(m, 0, batch);
        assert_eq!(router.stats(af).held, 1);
        let before = router.read_handler("c.count").unwrap();
        router.write_handler("af.clear", "").unwrap();
        assert_eq!(router.stats(af).held, 1, "until the task runs");
        let mut stepper = router.stepper();
        stepper.step();
        assert_eq!(router.stats(af).held, 0);
        let after: u64 = router.read_handler("c.count").unwrap().parse().unwrap();
        assert_eq!(after, before.parse::<u64>().unwrap() + 1);
        let xml = std::fs::read_to_string(&trace).unwrap();
        let _ = std::fs::remove_file(&trace);
        assert!(
            xml.starts_with("<?xml version='1.0' standalone='yes'?>\n<trace>\n"),
            "{xml}"
        );
        assert!(xml.ends_with("</trace>\n"), "{xml}");
        assert!(
            xml.contains("<flow aggregate='1' src='10.0.0.1' sport='1000' dst='10.0.0.2' dport='80' begin='1700000000.000000000' duration='1.020000000'>\n  <stream dir='0' packets='4' /><stream dir='1' packets='2' />\n</flow>\n"),
            "{xml}"
        );
        assert!(
            xml.contains("<flow aggregate='3' src='192.168.1.20' sport='443'"),
            "{xml}"
        );
    }
}
