//! The element behind `IPRewriter`, `TCPRewriter`, `UDPRewriter`,
//! `IPAddrRewriter`, `IPAddrPairRewriter` and `ICMPPingRewriter`: input
//! specs decide what a packet of an unknown flow does; packets of known
//! flows are rewritten, in either direction, by their mapping.
//!
//! Key decision: the classes differ only in how a packet is keyed, how a
//! mapping rewrites it and which timeouts apply, so one element with a
//! class tag serves them all. The table sits behind a mutex taken once
//! per batch, so `ICMPRewriter` can translate ICMP errors with the same
//! mappings (it finds the table by the rewriter's name).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use clickconf::args::{Args, Seconds, ValueError};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, HandlerError, HandlerSpec, InitContext,
    Output,
};
use packet::{Packet, PacketBatch};

use super::flow::{Flow, FlowKey, FlowTable, TimeoutKind, Timeouts, apply_delta};
use super::pattern::{InputSpec, Mapper, SharedPattern, SpecNames};

/// Which rewriter class an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Ip,
    Tcp,
    Udp,
    Addr,
    AddrPair,
    IcmpPing,
}

/// A rewriter's table, published under its name for `ICMPRewriter`.
pub struct SharedTable {
    pub class: Class,
    pub noutputs: usize,
    pub table: Arc<Mutex<FlowTable>>,
}

/// Named patterns published by `IPRewriterPatterns`.
pub struct NamedPatterns(pub HashMap<String, SharedPattern>);

/// A mapper published by a mapper element (`RoundRobinIPMapper`).
pub struct PublishedMapper(pub Arc<dyn Mapper>);

/// Click's ICMP identifier arithmetic: `id + n` on the identifier as it
/// lies in memory (network order) on a little-endian machine.
#[inline]
pub fn net_add(id: u16, n: u16) -> u16 {
    id.swap_bytes().wrapping_add(n).swap_bytes()
}

macro_rules! rewriter_handlers {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            HandlerSpec::read("table_size", "mappings made by this element's inputs"),
            HandlerSpec::read("nmappings", "the same as table_size (deprecated)"),
            HandlerSpec::read("mapping_failures", "new flows that got no mapping: no free port or address, or the table full of guaranteed flows"),
            HandlerSpec::read("patterns", "each input's spec, with the mappings it made in brackets"),
            HandlerSpec::read("size", "mappings in the table"),
            HandlerSpec::read_write("capacity", "MAPPING_CAPACITY; writing it shrinks the table to fit"),
            HandlerSpec::write("clear", "removes every mapping"),
            HandlerSpec::read_write("pattern0", "input 0's spec; writing a new spec removes the mappings input 0 made"),
            HandlerSpec::read_write("pattern1", "input 1's spec, as pattern0"),
            HandlerSpec::read_write("pattern2", "input 2's spec, as pattern0"),
            HandlerSpec::read_write("pattern3", "input 3's spec, as pattern0"),
            HandlerSpec::read_write("pattern4", "input 4's spec, as pattern0"),
            HandlerSpec::read_write("pattern5", "input 5's spec, as pattern0"),
            HandlerSpec::read_write("pattern6", "input 6's spec, as pattern0"),
            HandlerSpec::read_write("pattern7", "input 7's spec, as pattern0"),
        ]
    };
}

pub const IP_HANDLERS: &[HandlerSpec] = rewriter_handlers!(
    HandlerSpec::read("tcp_table", "TCP mappings, a line per direction"),
    HandlerSpec::read("udp_table", "UDP mappings, a line per direction"),
    HandlerSpec::read("tcp_mappings", "the same as tcp_table (deprecated)"),
    HandlerSpec::read("udp_mappings", "the same as udp_table (deprecated)"),
    HandlerSpec::read("table", "tcp_table followed by udp_table (not in Click)"),
);

pub const HANDLERS: &[HandlerSpec] = rewriter_handlers!(
    HandlerSpec::read("table", "every mapping, a line per direction"),
    HandlerSpec::read("mappings", "the same as table (deprecated)"),
);

pub const DROP_REASONS: &[&str] = &["no_mapping", "mapping_failed", "not_rewritable"];
const NO_MAPPING: DropReason = DropReason(0);
const MAPPING_FAILED: DropReason = DropReason(1);
const NOT_REWRITABLE: DropReason = DropReason(2);

pub struct Rewriter {
    class: Class,
    specs: Vec<InputSpec>,
    table: Arc<Mutex<FlowTable>>,
    clock: Arc<dyn Clock>,
    dst_anno: bool,
    reply_anno: Option<usize>,
    noutputs: usize,
    reap_interval: u64,
    next_reap: u64,
    shared: Arc<engine::Shared>,
}

const SECOND: u64 = 1_000_000_000;

/// Reads a time in whole seconds, as Click's `SecondsArg`, in nanoseconds.
fn seconds(args: &mut Args, key: &str) -> Result<Option<u64>, ConfigError> {
    Ok(args
        .read::<Seconds>(key)?
        .map(|s| s.0.as_secs_f64().round() as u64 * SECOND))
}

/// The names an input spec may use: patterns of `IPRewriterPatterns`
/// and mapper elements.
fn resolve_spec(text: &str, noutputs: usize, shared: &engine::Shared) -> Result<InputSpec, String> {
    let pattern = |name: &str| {
        shared
            .all::<NamedPatterns>()
            .into_iter()
            .find_map(|(_, p)| p.0.get(name).cloned())
    };
    let mapper = |name: &str| shared.lookup::<PublishedMapper>(name).map(|m| m.0.clone());
    InputSpec::parse(
        text,
        noutputs,
        &SpecNames {
            pattern: &pattern,
            mapper: &mapper,
        },
    )
}

/// Builds a rewriter of `class` from its arguments (each class reads
/// Click's keywords for it).
pub fn make(
    args: &mut Args,
    cx: &BuildContext,
    class: Class,
) -> Result<Box<dyn Element>, ConfigError> {
    let mut t = Timeouts {
        plain: (300 * SECOND, 5 * SECOND),
        tcp_nodata: 300 * SECOND,
        tcp_data: 86400 * SECOND,
        tcp_done: 240 * SECOND,
        tcp_guarantee: 5 * SECOND,
        udp: 300 * SECOND,
        udp_streaming: 300 * SECOND,
        udp_guarantee: 5 * SECOND,
    };
    let read_reply_anno = |args: &mut Args| -> Result<Option<usize>, ConfigError> {
        Ok(args.read_with("REPLY_ANNO", |text| {
            crate::standard::paint::parse_anno(text, 1).map_err(ValueError::new)
        })?)
    };
    let (dst_anno, reply_anno) = match class {
        Class::Tcp | Class::Ip => {
            if class == Class::Ip {
                if let Some(v) = seconds(args, "UDP_TIMEOUT")? {
                    t.udp = v;
                }
                let streaming = seconds(args, "UDP_STREAMING_TIMEOUT")?;
                t.udp_streaming = streaming.unwrap_or(t.udp);
                if let Some(v) = seconds(args, "UDP_GUARANTEE")? {
                    t.udp_guarantee = v;
                }
            }
            if let Some(v) = seconds(args, "TCP_NODATA_TIMEOUT")? {
                t.tcp_nodata = v;
            }
            if let Some(v) = seconds(args, "TCP_GUARANTEE")? {
                t.tcp_guarantee = v;
            }
            if let Some(v) = seconds(args, "TIMEOUT")? {
                t.tcp_data = v;
            }
            if let Some(v) = seconds(args, "TCP_TIMEOUT")? {
                t.tcp_data = v;
            }
            if let Some(v) = seconds(args, "TCP_DONE_TIMEOUT")? {
                t.tcp_done = v;
            }
            (
                args.read::<bool>("DST_ANNO")?.unwrap_or(true),
                read_reply_anno(args)?,
            )
        }
        Class::Udp => {
            let annos = (
                args.read::<bool>("DST_ANNO")?.unwrap_or(true),
                read_reply_anno(args)?,
            );
            if let Some(v) = seconds(args, "UDP_TIMEOUT")? {
                t.udp = v;
            }
            if let Some(v) = seconds(args, "TIMEOUT")? {
                t.udp = v;
            }
            let a = seconds(args, "UDP_STREAMING_TIMEOUT")?;
            let b = seconds(args, "STREAMING_TIMEOUT")?;
            t.udp_streaming = b.or(a).unwrap_or(t.udp);
            if let Some(v) = seconds(args, "UDP_GUARANTEE")? {
                t.udp_guarantee = v;
            }
            annos
        }
        Class::Addr | Class::AddrPair => {
            t.plain.0 = 7200 * SECOND;
            (true, read_reply_anno(args)?)
        }
        Class::IcmpPing => (
            args.read::<bool>("DST_ANNO")?.unwrap_or(true),
            read_reply_anno(args)?,
        ),
    };
    // IPRewriterBase's keywords.
    let mut capacity_word = args.read::<String>("CAPACITY")?;
    if let Some(w) = args.read::<String>("MAPPING_CAPACITY")? {
        capacity_word = Some(w);
    }
    if let Some(v) = seconds(args, "TIMEOUT")? {
        t.plain.0 = v;
    }
    if let Some(v) = seconds(args, "GUARANTEE")? {
        match class {
            Class::Tcp | Class::Ip => t.tcp_guarantee = v,
            Class::Udp => t.udp_guarantee = v,
            _ => t.plain.1 = v,
        }
    }
    let mut reap = 900 * SECOND;
    if let Some(v) = seconds(args, "REAP_INTERVAL")? {
        reap = v;
    }
    if let Some(v) = seconds(args, "REAP_TIME")? {
        reap = v;
    }
    let capacity = match capacity_word {
        None => i32::MAX as usize,
        Some(w) => match w.trim().parse::<i32>() {
            Ok(n) => n.max(0) as usize,
            Err(_) => {
                return Err(ConfigError::msg(format!(
                    "MAPPING_CAPACITY '{w}': expected a number (sharing another rewriter's capacity by naming it is not supported)"
                )));
            }
        },
    };
    let rest = args.rest();
    if rest.len() != cx.ninputs {
        return Err(ConfigError::msg(format!(
            "need {} arguments, one per input port",
            cx.ninputs
        )));
    }
    let mut specs = Vec::new();
    for (i, arg) in rest.iter().enumerate() {
        let spec = resolve_spec(&arg.text, cx.noutputs, &cx.shared)
            .map_err(|m| crate::util::arg_error(arg, format!("input spec {i}: {m}")))?;
        specs.push(spec);
    }
    let table = Arc::new(Mutex::new(FlowTable::new(t, capacity, cx.ninputs)));
    cx.shared.publish(
        &cx.name,
        Arc::new(SharedTable {
            class,
            noutputs: cx.noutputs,
            table: table.clone(),
        }),
    );
    Ok(Box::new(Rewriter {
        class,
        specs,
        table,
        clock: cx.clock.clone(),
        dst_anno,
        reply_anno,
        noutputs: cx.noutputs,
        reap_interval: reap,
        next_reap: 0,
        shared: cx.shared.clone(),
    }))
}

/// How a class sees a packet: the map and key to look up (and, for
/// IPAddrRewriter, the reply key), or `None` when it cannot rewrite it.
#[derive(Clone, Copy)]
/// The flow the previous packet of a batch belonged to: packets of one
/// flow often come together, and the next finds its mapping without a
/// lookup. Forgotten whenever the table may lose an entry.
struct LastFlow {
    map: u8,
    key: FlowKey,
    found: (u32, bool),
}

struct Keyed {
    map: u8,
    key: FlowKey,
    /// ICMP: an echo request (may start a flow).
    echo: bool,
}

#[inline]
fn key_packet(class: Class, ip: &[u8]) -> Option<Keyed> {
    if ip.len() < 20 {
        return None;
    }
    let hl = usize::from(ip[0] & 0x0f) * 4;
    let proto = ip[9];
    let saddr = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
    let daddr = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
    let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
    let transport = ip.get(hl..).filter(|_| hl >= 20);
    match class {
        Class::Addr => Some(Keyed {
            map: 0,
            key: FlowKey::new(saddr, 0, 0, 0),
            echo: false,
        }),
        Class::AddrPair => Some(Keyed {
            map: 0,
            key: FlowKey::new(saddr, 0, daddr, 0),
            echo: false,
        }),
        Class::IcmpPing => {
            let t = transport?;
            if proto != 1 || !first_fragment || t.len() < 6 || !matches!(t[0], 0 | 8) {
                return None;
            }
            let echo = t[0] == 8;
            let id = u16::from_be_bytes([t[4], t[5]]);
            Some(Keyed {
                map: 0,
                key: FlowKey::new(
                    saddr,
                    net_add(id, u16::from(!echo)),
                    daddr,
                    net_add(id, u16::from(echo)),
                ),
                echo,
            })
        }
        Class::Ip | Class::Tcp | Class::Udp => {
            let ok = match class {
                Class::Ip => matches!(proto, 6 | 17),
                Class::Tcp => proto == 6,
                _ => matches!(proto, 6 | 17 | 33),
            };
            let t = transport?;
            if !ok || !first_fragment || t.len() < 8 {
                return None;
            }
            Some(Keyed {
                map: u8::from(class == Class::Ip && proto == 17),
                key: FlowKey::new(
                    saddr,
                    u16::from_be_bytes([t[0], t[1]]),
                    daddr,
                    u16::from_be_bytes([t[2], t[3]]),
                ),
                echo: false,
            })
        }
    }
}

impl Rewriter {
    fn lock(&self) -> MutexGuard<'_, FlowTable> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The flow's timeout class for a new flow of `proto`.
    fn tkind(&self, proto: u8) -> TimeoutKind {
        match (self.class, proto) {
            (Class::Tcp, _) | (Class::Ip, 6) => TimeoutKind::Tcp,
            (Class::Udp, _) | (Class::Ip, _) => TimeoutKind::Udp,
            _ => TimeoutKind::Plain,
        }
    }

    /// Handles one packet with the table locked.
    #[inline]
    fn process(
        &self,
        port: usize,
        mut p: Packet,
        t: &mut FlowTable,
        now: u64,
        last: &mut Option<LastFlow>,
        out: &mut Output,
    ) {
        let keyed = p.network_header().and_then(|ip| key_packet(self.class, ip));
        let Some(k) = keyed else {
            match self.specs.get(port) {
                Some(InputSpec::NoChange(n)) => out.emit(*n as usize, p),
                _ => out.drop(p, NOT_REWRITABLE),
            }
            return;
        };
        let mut found = match last {
            Some(l) if l.map == k.map && l.key == k.key => Some(l.found),
            _ => t.lookup(k.map, &k.key),
        };
        if found.is_none() && self.class == Class::Addr {
            let ip = p.network_header().unwrap_or_default();
            if let Some(d) = ip.get(16..20) {
                let daddr = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
                found = t.lookup(0, &FlowKey::new(0, 0, daddr, 0));
            }
        }
        let (slot, reply) = match found {
            Some(f) => f,
            None => {
                if self.class == Class::IcmpPing && !k.echo {
                    match self.specs.get(port) {
                        Some(InputSpec::NoChange(n)) => out.emit(*n as usize, p),
                        _ => out.drop(p, NO_MAPPING),
                    }
                    return;
                }
                // A new flow may evict the one remembered.
                *last = None;
                match self.new_flow(port, &k, &p, t, now) {
                    Ok(slot) => (slot, false),
                    Err(Some(n)) => {
                        out.emit(n as usize, p);
                        return;
                    }
                    Err(None) => {
                        out.drop(p, MAPPING_FAILED);
                        return;
                    }
                }
            }
        };
        *last = Some(LastFlow {
            map: k.map,
            key: k.key,
            found: (slot, reply),
        });
        let flow = t.flow_mut(slot);
        let port_out = flow.output[usize::from(reply)];
        self.apply(&mut p, flow, reply);
        t.touch(slot, now);
        out.emit(port_out as usize, p);
    }

    /// Makes a mapping for a packet of no known flow as input `port`'s
    /// spec says: `Ok(slot)`, or `Err(Some(output))` to pass it unchanged,
    /// or `Err(None)` to drop it.
    fn new_flow(
        &self,
        port: usize,
        k: &Keyed,
        p: &Packet,
        t: &mut FlowTable,
        now: u64,
    ) -> Result<u32, Option<u32>> {
        let map = k.map;
        let (rewritten, f, r) = match self.specs.get(port) {
            Some(InputSpec::NoChange(n)) => return Err(Some(*n)),
            Some(InputSpec::Keep(f, r)) => (k.key, *f, *r),
            Some(InputSpec::Pattern(pat, f, r)) => {
                let taken = |key: &FlowKey| t.contains(map, key);
                let got = pat
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .rewrite(&k.key, &taken);
                match got {
                    Some(rw) => (rw, *f, *r),
                    None => {
                        t.fail(port);
                        return Err(None);
                    }
                }
            }
            Some(InputSpec::Mapper(m)) => {
                let taken = |key: &FlowKey| t.contains(map, key);
                match m.rewrite(&k.key, &taken) {
                    Some(x) => x,
                    None => {
                        t.fail(port);
                        return Err(None);
                    }
                }
            }
            Some(InputSpec::Drop) | None => return Err(None),
        };
        let mut rewritten = rewritten;
        let proto = p
            .network_header()
            .and_then(|ip| ip.get(9).copied())
            .unwrap_or(0);
        let flow_proto = match self.class {
            Class::Addr => {
                if rewritten.sport != 0 || rewritten.dport != 0 || rewritten.daddr != 0 {
                    return Err(None);
                }
                0
            }
            Class::AddrPair => {
                if rewritten.sport != 0 || rewritten.dport != 0 {
                    return Err(None);
                }
                0
            }
            Class::IcmpPing => {
                rewritten.dport = net_add(rewritten.sport, 1);
                1
            }
            _ => proto,
        };
        if f as usize >= self.noutputs || r as usize >= self.noutputs {
            return Err(None);
        }
        let mut flow = Flow::new(
            map,
            k.key,
            rewritten,
            (f, r),
            port as u16,
            flow_proto,
            self.tkind(proto),
        );
        if self.class == Class::IcmpPing {
            // Click's ICMP flows: the checksum delta covers the ID only.
            flow.port_delta = super::flow::click_update(0, k.key.sport, rewritten.sport);
        }
        if let Some(at) = self.reply_anno {
            flow.reply_anno = p.anno().get::<1>(at).map_or(0, |b| b[0]);
        }
        t.insert(flow, now).ok_or(None)
    }

    /// Rewrites packet `p` of `flow` in direction `reply`, as the class's
    /// Click flow type does.
    #[inline]
    fn apply(&self, p: &mut Packet, flow: &mut Flow, reply: bool) {
        let Some(nh) = p.anno().network_header() else {
            return;
        };
        // Transport length as Click counts it: to the end of the packet.
        let (hl, tlen) = match p.network_header() {
            Some(ip) if ip.len() >= 20 => {
                let hl = usize::from(ip[0] & 0x0f) * 4;
                (hl, ip.len().saturating_sub(hl))
            }
            _ => return,
        };
        let rev = flow.key[usize::from(!reply)];
        let want = if self.class == Class::IcmpPing {
            usize::MAX
        } else {
            nh.saturating_add(80)
        };
        let Some(ip) = p.buffer_range_mut(nh, want) else {
            return;
        };
        if ip.len() < 20 {
            return;
        }
        let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
        let proto = ip[9];
        let ip_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let csum = u16::from_be_bytes([ip[10], ip[11]]);
        match self.class {
            Class::Addr if !reply => ip[12..16].copy_from_slice(&rev.daddr.to_be_bytes()),
            Class::Addr => ip[16..20].copy_from_slice(&rev.saddr.to_be_bytes()),
            _ => {
                ip[12..16].copy_from_slice(&rev.daddr.to_be_bytes());
                ip[16..20].copy_from_slice(&rev.saddr.to_be_bytes());
            }
        }
        ip[10..12].copy_from_slice(&apply_delta(csum, reply, flow.ip_delta).to_be_bytes());
        if first_fragment && hl >= 20 {
            let at = hl.min(ip.len());
            let t = &mut ip[at..];
            let update = |t: &mut [u8], at: usize, delta: u16| {
                let c = u16::from_be_bytes([t[at], t[at + 1]]);
                t[at..at + 2].copy_from_slice(&apply_delta(c, reply, delta).to_be_bytes());
            };
            match self.class {
                Class::Addr | Class::AddrPair => {
                    if proto == 6 && tlen >= 18 && t.len() >= 18 {
                        update(t, 16, flow.port_delta);
                    } else if proto == 17 && tlen >= 8 && t.len() >= 8 && t[6..8] != [0, 0] {
                        update(t, 6, flow.port_delta);
                    }
                }
                Class::IcmpPing => {
                    if t.len() >= 6 {
                        let id = if reply { rev.sport } else { rev.dport };
                        t[4..6].copy_from_slice(&id.to_be_bytes());
                        update(t, 2, flow.port_delta);
                        if t[2..4] == [0, 0] && t.iter().all(|&b| b == 0) {
                            t[2..4].copy_from_slice(&[0xff, 0xff]);
                        }
                    }
                }
                Class::Tcp | Class::Ip if proto == 6 => {
                    if tlen >= 18 && t.len() >= 18 {
                        t[0..2].copy_from_slice(&rev.dport.to_be_bytes());
                        t[2..4].copy_from_slice(&rev.sport.to_be_bytes());
                        update(t, 16, flow.port_delta);
                        let off = usize::from(t[12] >> 4) * 4;
                        let payload = hl + off < ip_len;
                        flow.note_tcp(reply, t[13], payload);
                    }
                }
                _ => {
                    // UDP flows (and every flow of UDPRewriter).
                    if t.len() >= 8 {
                        t[0..2].copy_from_slice(&rev.dport.to_be_bytes());
                        t[2..4].copy_from_slice(&rev.sport.to_be_bytes());
                        if proto == 6 {
                            if tlen >= 18 && t.len() >= 18 {
                                update(t, 16, flow.port_delta);
                            }
                        } else if proto == 17 && t[6..8] != [0, 0] {
                            update(t, 6, flow.port_delta);
                        }
                    }
                    flow.note_udp(reply);
                }
            }
        }
        let anno = p.anno_mut();
        let set_dst = match self.class {
            Class::Addr => reply,
            Class::AddrPair => true,
            _ => self.dst_anno,
        };
        if set_dst {
            anno.set_dst_ip(Ipv4Addr::from(rev.saddr));
        }
        if reply && let Some(at) = self.reply_anno {
            anno.set(at, &[flow.reply_anno]);
        }
    }

    /// One line of a table dump in Click's notation.
    fn unparse(&self, t: &FlowTable, slot: u32, reply: bool, now_ms: u64, s: &mut String) {
        let f = t.flow(slot);
        let d = usize::from(reply);
        let (me, other) = (f.key[d], f.key[1 - d]);
        let a = |x: u32| Ipv4Addr::from(x);
        match self.class {
            Class::Addr => {
                let _ = write!(s, "{} => {}", a(me.saddr), a(other.daddr));
            }
            Class::AddrPair => {
                let _ = write!(
                    s,
                    "({}, {}) => ({}, {})",
                    a(me.saddr),
                    a(me.daddr),
                    a(other.daddr),
                    a(other.saddr)
                );
            }
            Class::IcmpPing => {
                let rw = other.reverse();
                let _ = write!(
                    s,
                    "({}, {}, {}) => ({}, {}, {})",
                    a(me.saddr),
                    a(me.daddr),
                    me.sport,
                    a(rw.saddr),
                    a(rw.daddr),
                    rw.sport
                );
            }
            _ => {
                me.unparse(s);
                s.push_str(" => ");
                other.reverse().unparse(s);
            }
        }
        let expiry_ms = t.expiry(slot) / 1_000_000;
        // Click's jiffies are 32-bit milliseconds.
        let left = (expiry_ms as u32)
            .wrapping_add(500)
            .wrapping_sub(now_ms as u32)
            / 1000;
        let _ = writeln!(
            s,
            " [{}{} {}{}] i{} exp{left}",
            if reply { "" } else { "*" },
            f.output[0],
            if reply { "*" } else { "" },
            f.output[1],
            f.input
        );
    }

    fn dump(&self, t: &FlowTable, map: u8) -> String {
        let now_ms = self.clock.monotonic_ns() / 1_000_000;
        let mut s = String::new();
        for (slot, reply) in t.click_order(map) {
            self.unparse(t, slot, reply, now_ms, &mut s);
        }
        s
    }

    fn spec_line(&self, t: &FlowTable, i: usize) -> String {
        let mut s = self.specs[i].unparse();
        let count = t.inputs.get(i).map_or(0, |x| x.count);
        if count > 0 {
            let _ = write!(s, " [{count}]");
        }
        s.push('\n');
        s
    }

    /// Reaps as Click's timer would have by now.
    fn reap_due(&mut self, t: &mut FlowTable, now: u64) {
        if self.reap_interval > 0 && now >= self.next_reap {
            if self.next_reap != 0 {
                t.reap(now, false);
            }
            self.next_reap = now.saturating_add(self.reap_interval);
        }
    }
}

/// Which input a `patternN` handler names.
fn pattern_input(name: &str) -> Option<usize> {
    name.strip_prefix("pattern")?.parse().ok()
}

impl Element for Rewriter {
    fn initialize(&mut self, _cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        self.next_reap = 0;
        Ok(())
    }

    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        let table = self.table.clone();
        let mut t = table.lock().unwrap_or_else(PoisonError::into_inner);
        self.reap_due(&mut t, now);
        let mut last = None;
        for p in batch.drain() {
            self.process(port, p, &mut t, now, &mut last, out);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let now = self.clock.monotonic_ns();
        let mut t = self.lock();
        if self.reap_interval > 0 && self.next_reap != 0 && now >= self.next_reap {
            t.reap(now, false);
        }
        match (self.class, name) {
            (Class::Ip, "tcp_table" | "tcp_mappings") => Ok(self.dump(&t, 0)),
            (Class::Ip, "udp_table" | "udp_mappings") => Ok(self.dump(&t, 1)),
            (Class::Ip, "table") => Ok(self.dump(&t, 0) + &self.dump(&t, 1)),
            (_, "table" | "mappings") => Ok(self.dump(&t, 0)),
            (_, "table_size" | "nmappings") => Ok(t.count().to_string()),
            (_, "mapping_failures") => Ok(t.failures().to_string()),
            (_, "size") => Ok(t.len().to_string()),
            (_, "capacity") => Ok(t.capacity.to_string()),
            (_, "patterns") => Ok((0..self.specs.len())
                .map(|i| self.spec_line(&t, i))
                .collect()),
            (_, n) => match pattern_input(n) {
                Some(i) if i < self.specs.len() => Ok(self.spec_line(&t, i)),
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            },
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        let now = self.clock.monotonic_ns();
        let table = self.table.clone();
        let mut t = table.lock().unwrap_or_else(PoisonError::into_inner);
        match name {
            "capacity" => {
                let c: i32 = crate::util::parse_handler_value("capacity", value)?;
                t.capacity = c.max(0) as usize;
                t.reap(now, false);
                Ok(())
            }
            "clear" => {
                t.reap(now, true);
                Ok(())
            }
            n => match pattern_input(n) {
                Some(i) if i < self.specs.len() => {
                    let spec = resolve_spec(value, self.noutputs, &self.shared)
                        .map_err(|m| HandlerError::BadValue(format!("input spec {i}: {m}")))?;
                    t.remove_input(i);
                    self.specs[i] = spec;
                    Ok(())
                }
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            },
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Finds the mapping an ICMP error is about, as the class's Click
/// `get_entry` does for a reply: `search` is the quoted packet's
/// identifier reversed, `proto` its protocol. Returns the slot and
/// direction.
pub fn find_for_error(
    class: Class,
    t: &FlowTable,
    proto: u8,
    search: &FlowKey,
) -> Option<(u32, bool)> {
    let check = |found: Option<(u32, bool)>| {
        found.filter(|&(slot, _)| {
            let fp = t.flow(slot).proto;
            fp == 0 || proto == 0 || fp == proto
        })
    };
    match class {
        Class::Ip => match proto {
            6 => check(t.lookup(0, search)),
            17 => check(t.lookup(1, search)),
            _ => None,
        },
        Class::Tcp | Class::Udp => check(t.lookup(0, search)),
        Class::Addr => t
            .lookup(0, &FlowKey::new(search.saddr, 0, 0, 0))
            .or_else(|| t.lookup(0, &FlowKey::new(0, 0, search.daddr, 0))),
        Class::AddrPair => t.lookup(0, &FlowKey::new(search.saddr, 0, search.daddr, 0)),
        Class::IcmpPing if proto == 1 => t.lookup(
            0,
            &FlowKey::new(
                search.saddr,
                net_add(search.sport, 1),
                search.daddr,
                search.sport,
            ),
        ),
        Class::IcmpPing => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::ip::testing::manual_router;
    use engine::Router;
    use packet::{Packet, PacketBatch};

    /// An IPv4 packet of `proto` with ports (no link header), checksums
    /// valid.
    fn packet(proto: u8, src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Packet {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[3] = 40;
        p[8] = 64;
        p[9] = proto;
        p[12..16].copy_from_slice(&src);
        p[16..20].copy_from_slice(&dst);
        let c = packet::checksum::checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p[20..22].copy_from_slice(&sport.to_be_bytes());
        p[22..24].copy_from_slice(&dport.to_be_bytes());
        if proto == 6 {
            p[32] = 0x50;
            p[33] = 0x02;
        } else {
            p[24..26].copy_from_slice(&20u16.to_be_bytes());
        }
        let mut packet = Packet::from_slice(&p).expect("packet");
        packet.set_network_header(0, 20);
        packet
    }

    fn push(r: &Router, input: usize, p: Packet) {
        let mut b = PacketBatch::new();
        b.push(p);
        r.inject(r.find("rw").expect("rw"), input, b);
    }

    fn read(r: &Router, h: &str) -> String {
        r.read_handler(h).expect(h)
    }

    const TWO_WAY: &str =
        "rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop, REPLY_ANNO PAINT);
        Idle -> rw; Idle -> [1]rw;
        rw[0] -> out :: Counter -> Discard; rw[1] -> back :: Counter -> Discard;";

    #[test]
    fn handlers_patterns_capacity_clear() {
        let (r, _) = manual_router(TWO_WAY, 0);
        for i in 0..3 {
            push(&r, 0, packet(17, [10, 0, 0, 1], 5000 + i, [8, 8, 8, 8], 53));
        }
        assert_eq!(
            read(&r, "rw.patterns"),
            "1.0.0.1 1024-65535 - - [3]\n<drop>\n"
        );
        assert_eq!(read(&r, "rw.pattern1"), "<drop>\n");
        assert_eq!(read(&r, "rw.size"), "3");
        assert_eq!(read(&r, "rw.capacity"), "2147483647");
        r.write_handler("rw.capacity", "2").unwrap();
        assert_eq!(read(&r, "rw.size"), "2");
        r.write_handler("rw.clear", "").unwrap();
        assert_eq!(
            (read(&r, "rw.size"), read(&r, "rw.udp_table")),
            ("0".into(), String::new())
        );
        // A new spec for input 0 removes its mappings.
        push(&r, 0, packet(17, [10, 0, 0, 1], 6000, [8, 8, 8, 8], 53));
        r.write_handler("rw.pattern0", "pattern 2.0.0.2 - - - 0 1")
            .unwrap();
        assert_eq!(read(&r, "rw.size"), "0");
        assert_eq!(read(&r, "rw.pattern0"), "2.0.0.2 - - -\n");
        assert!(r.write_handler("rw.pattern0", "bogus").is_err());
        assert!(r.read_handler("rw.pattern2").is_err(), "only two inputs");
    }

    #[test]
    fn reply_anno_and_both_directions() {
        let (r, _) = manual_router(TWO_WAY, 0);
        let mut p = packet(6, [10, 0, 0, 1], 40000, [9, 9, 9, 9], 80);
        p.anno_mut().set_paint(7);
        push(&r, 0, p);
        let table = read(&r, "rw.tcp_table");
        assert!(
            table.contains(
                "(10.0.0.1, 40000, 9.9.9.9, 80) => (1.0.0.1, 1024, 9.9.9.9, 80) [*0 1] i0 exp300"
            ),
            "{table}"
        );
        push(&r, 1, packet(6, [9, 9, 9, 9], 80, [1, 0, 0, 1], 1024));
        assert_eq!(read(&r, "back.count"), "1");
        // An unknown reply is dropped by the `drop` spec.
        push(&r, 1, packet(6, [9, 9, 9, 9], 80, [1, 0, 0, 1], 1025));
        assert_eq!(read(&r, "back.count"), "1");
    }

    #[test]
    fn udprewriter_shares_one_table_across_protocols() {
        let text = "rw :: UDPRewriter(pattern 1.0.0.1 1024-65535# - - 0 0); Idle -> rw -> c :: Counter -> Discard;";
        let (r, _) = manual_router(text, 0);
        push(&r, 0, packet(17, [10, 0, 0, 1], 5000, [8, 8, 8, 8], 53));
        push(&r, 0, packet(6, [10, 0, 0, 1], 5000, [8, 8, 8, 8], 53));
        assert_eq!(read(&r, "rw.size"), "1", "TCP found the UDP mapping");
        assert_eq!(read(&r, "c.count"), "2");
    }

    #[test]
    fn address_rewriters_keep_ports() {
        let text = "rw :: IPAddrRewriter(pattern 3.0.0.1-3.0.0.2# - 0 1, drop);
            Idle -> rw; Idle -> [1]rw; rw[0] -> out :: Counter -> Discard; rw[1] -> back :: Counter -> Discard;";
        let (r, _) = manual_router(text, 0);
        push(&r, 0, packet(17, [10, 0, 0, 1], 5000, [8, 8, 8, 8], 53));
        push(&r, 0, packet(47, [10, 0, 0, 2], 0, [8, 8, 8, 8], 0));
        push(&r, 0, packet(17, [10, 0, 0, 3], 5000, [8, 8, 8, 8], 53));
        assert_eq!(read(&r, "rw.mapping_failures"), "1", "two addresses only");
        assert_eq!(
            read(&r, "rw.table").lines().next(),
            Some("10.0.0.2 => 3.0.0.2 [*0 1] i0 exp7200")
        );
        push(&r, 1, packet(17, [8, 8, 8, 8], 53, [3, 0, 0, 1], 5000));
        assert_eq!(read(&r, "back.count"), "1");
        // A pattern that changes ports is refused packet by packet.
        let text = "rw :: IPAddrRewriter(pattern 3.0.0.1 99 - - 0 0); Idle -> rw -> Discard;";
        let (r, _) = manual_router(text, 0);
        push(&r, 0, packet(17, [10, 0, 0, 1], 5000, [8, 8, 8, 8], 53));
        assert_eq!(read(&r, "rw.size"), "0");
    }

    #[test]
    fn configuration_errors() {
        let reg = crate::registry();
        for bad in [
            "rw :: IPRewriter(drop); Idle -> rw; Idle -> [1]rw; rw -> Discard",
            "rw :: IPRewriter(pattern 1.0.0.1 1-2-3 - - 0 0); Idle -> rw -> Discard",
            "rw :: IPRewriter(keep 0 1); Idle -> rw -> Discard",
            "rw :: IPRewriter(nosuch); Idle -> rw -> Discard",
            "rw :: IPRewriter(drop, MAPPING_CAPACITY other); Idle -> rw -> Discard",
            "rw :: IPAddrRewriter(drop, TCP_TIMEOUT 5); Idle -> rw -> Discard",
        ] {
            assert!(Router::from_text("t", bad, &reg).is_err(), "{bad}");
        }
    }
}
