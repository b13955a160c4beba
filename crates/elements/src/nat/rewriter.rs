//! The element behind `IPRewriter`, `TCPRewriter`, `UDPRewriter`,
//! `IPAddrRewriter`, `IPAddrPairRewriter` and `ICMPPingRewriter`: input
//! specs decide what a packet of an unknown flow does; packets of known
//! flows are rewritten by the flow table in either direction.
//!
//! Key decision: the table sits behind a mutex taken once per batch, so
//! `ICMPRewriter` can translate ICMP errors with the same mappings (it
//! finds the table by the rewriter's name) at the cost of one uncontended
//! lock per batch.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, HandlerError, HandlerSpec, InitContext,
    Output,
};
use packet::PacketBatch;

use super::flow::{Flow, FlowId, FlowTable, KeyKind, rewrite};
use super::pattern::{InputSpec, Mapper, SharedPattern};

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

impl Class {
    fn key_kind(self) -> KeyKind {
        match self {
            Class::Addr => KeyKind::SourceAddr,
            Class::AddrPair => KeyKind::AddrPair,
            _ => KeyKind::FiveTuple,
        }
    }
    fn accepts(self, proto: u8) -> bool {
        match self {
            Class::Ip => matches!(proto, 6 | 17),
            Class::Tcp => proto == 6,
            Class::Udp => proto == 17,
            Class::IcmpPing => proto == 1,
            Class::Addr | Class::AddrPair => true,
        }
    }
}

/// A rewriter's flow table, published under its name for `ICMPRewriter`.
pub struct SharedTable(pub Arc<Mutex<FlowTable>>);

/// Named patterns published by `IPRewriterPatterns`.
pub struct NamedPatterns(pub HashMap<String, SharedPattern>);

/// A mapper published by a mapper element, with the outputs its patterns
/// name (checked against the rewriter's outputs).
pub struct PublishedMapper {
    pub mapper: Arc<dyn Mapper>,
    pub max_output: usize,
}

pub const HANDLERS: &[HandlerSpec] = &[
    HandlerSpec::read("table", "every mapping, both directions"),
    HandlerSpec::read("tcp_table", "TCP mappings"),
    HandlerSpec::read("udp_table", "UDP mappings"),
    HandlerSpec::read("table_size", "flows in the table"),
    HandlerSpec::read("nmappings", "flows in the table (old name)"),
    HandlerSpec::read(
        "mapping_failures",
        "new flows dropped: no free port or table full",
    ),
    HandlerSpec::read("patterns", "the input specs"),
    HandlerSpec::read("size", "flows in the table"),
    HandlerSpec::read_write("capacity", "the most flows the table holds"),
    HandlerSpec::write("clear", "forget every mapping"),
];

pub const DROP_REASONS: &[&str] = &["no_mapping", "mapping_failed", "not_rewritable"];
const NO_MAPPING: DropReason = DropReason(0);
const MAPPING_FAILED: DropReason = DropReason(1);
const NOT_REWRITABLE: DropReason = DropReason(2);

pub struct Rewriter {
    class: Class,
    specs: Vec<InputSpec>,
    table: Arc<Mutex<FlowTable>>,
    clock: Arc<dyn Clock>,
    tcp_timeout: u64,
    tcp_done_timeout: u64,
    udp_timeout: u64,
    other_timeout: u64,
    dst_anno: bool,
    noutputs: usize,
}

fn seconds(args: &mut Args, key: &str, default: f64) -> Result<u64, ConfigError> {
    let s = args
        .read::<Seconds>(key)?
        .map_or(default, |s| s.0.as_secs_f64());
    Ok((s * 1e9) as u64)
}

/// Builds a rewriter of `class` from its arguments.
pub fn make(
    args: &mut Args,
    cx: &BuildContext,
    class: Class,
) -> Result<Box<dyn Element>, ConfigError> {
    let timeout = seconds(args, "TIMEOUT", 300.0)?;
    let tcp_timeout = seconds(args, "TCP_TIMEOUT", 86400.0)?;
    let tcp_done_timeout = seconds(args, "TCP_DONE_TIMEOUT", 240.0)?;
    let udp_timeout = match args.read::<Seconds>("UDP_TIMEOUT")? {
        Some(s) => (s.0.as_secs_f64() * 1e9) as u64,
        None => timeout,
    };
    for key in [
        "TCP_NODATA_TIMEOUT",
        "TCP_GUARANTEE",
        "UDP_GUARANTEE",
        "GUARANTEE",
        "REAP_INTERVAL",
        "REAP_TIME",
        "UDP_STREAMING_TIMEOUT",
    ] {
        let _ = args.read::<Seconds>(key)?;
    }
    let capacity = args.read::<u32>("MAPPING_CAPACITY")?.unwrap_or(1 << 20) as usize;
    let dst_anno = args.read::<bool>("DST_ANNO")?.unwrap_or(true);
    let ports = !matches!(class, Class::Addr | Class::AddrPair);
    let icmp = class == Class::IcmpPing;
    let mut specs = Vec::new();
    for arg in args.rest() {
        let spec = InputSpec::parse(&arg.text, cx.noutputs, ports, icmp)
            .map_err(|message| crate::util::arg_error(&arg, message))?;
        specs.push(spec);
    }
    if specs.len() != cx.ninputs {
        return Err(ConfigError::msg(format!(
            "{} input specs for {} inputs: give one per input port",
            specs.len(),
            cx.ninputs
        )));
    }
    let table = Arc::new(Mutex::new(FlowTable::new(
        class.key_kind(),
        capacity.max(1),
    )));
    cx.shared
        .publish(&cx.name, Arc::new(SharedTable(table.clone())));
    Ok(Box::new(Rewriter {
        class,
        specs,
        table,
        clock: cx.clock.clone(),
        tcp_timeout,
        tcp_done_timeout,
        udp_timeout,
        other_timeout: timeout,
        dst_anno,
        noutputs: cx.noutputs,
    }))
}

impl Rewriter {
    fn timeout(&self, proto: u8, done: bool) -> u64 {
        match (self.class, proto) {
            (Class::Addr | Class::AddrPair | Class::IcmpPing, _) => self.other_timeout,
            (_, 6) if done => self.tcp_done_timeout,
            (_, 6) => self.tcp_timeout,
            _ => self.udp_timeout,
        }
    }

    /// Where a packet of flow `id` goes given its flow record.
    fn translate(&self, flow: &Flow, reply: bool, id: &FlowId) -> FlowId {
        let target = if reply {
            flow.forward.reverse()
        } else {
            flow.rewritten
        };
        match self.class.key_kind() {
            KeyKind::FiveTuple => target,
            // A source-address mapping changes only the source going out
            // and only the destination coming back.
            KeyKind::SourceAddr if reply => FlowId {
                daddr: target.daddr,
                ..*id
            },
            KeyKind::SourceAddr => FlowId {
                saddr: target.saddr,
                ..*id
            },
            KeyKind::AddrPair => FlowId {
                saddr: target.saddr,
                daddr: target.daddr,
                ..*id
            },
        }
    }
}

fn tcp_finished(ip: &[u8]) -> bool {
    let hl = usize::from(ip[0] & 0x0f) * 4;
    ip[9] == 6 && ip.get(hl + 13).is_some_and(|f| f & 0x05 != 0)
}

impl Element for Rewriter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let noutputs = self.noutputs;
        for spec in &mut self.specs {
            match spec.clone() {
                InputSpec::Named(name, f, r) => {
                    let found = cx
                        .shared()
                        .all::<NamedPatterns>()
                        .into_iter()
                        .find_map(|(_, p)| p.0.get(&name).cloned())
                        .ok_or_else(|| {
                            ConfigError::msg(format!(
                                "no pattern named '{name}' (define it in IPRewriterPatterns)"
                            ))
                        })?;
                    *spec = InputSpec::Pattern(found, f, r);
                }
                InputSpec::MapperName(name) => {
                    let m = cx
                        .shared()
                        .lookup::<PublishedMapper>(&name)
                        .ok_or_else(|| {
                            ConfigError::msg(format!(
                                "'{name}' is not an input spec or a mapper element"
                            ))
                        })?;
                    if m.max_output >= noutputs {
                        return Err(ConfigError::msg(format!(
                            "mapper '{name}' sends to output {}, out of range",
                            m.max_output
                        )));
                    }
                    *spec = InputSpec::Mapper(m.mapper.clone());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        let table = self.table.clone();
        let mut table = table.lock().unwrap_or_else(PoisonError::into_inner);
        table.expire(now);
        let kind = self.class.key_kind();
        for mut p in batch.drain() {
            let Some(ip) = p.network_header_mut() else {
                out.drop(p, NOT_REWRITABLE);
                continue;
            };
            let id = if ip.len() >= 20 && self.class.accepts(ip[9]) {
                FlowId::of_packet(ip, kind)
            } else {
                None
            };
            let Some(id) = id else {
                match self.specs.get(port) {
                    Some(InputSpec::Pass(n)) => out.emit(*n, p),
                    _ => out.drop(p, NOT_REWRITABLE),
                }
                continue;
            };
            let finished = tcp_finished(ip);
            if let Some((flow, reply)) = table.lookup(&id, now) {
                let flow_copy = *flow;
                flow.done |= finished;
                flow.expiry_ns = now + self.timeout(id.proto, flow.done);
                let to = self.translate(&flow_copy, reply, &id);
                rewrite(ip, &id, &to);
                let port_out = if reply {
                    flow_copy.reply_port
                } else {
                    flow_copy.forward_port
                };
                if self.dst_anno {
                    p.anno_mut().set_dst_ip(to.daddr.into());
                }
                out.emit(port_out, p);
                continue;
            }
            // ICMP echo replies and the like never start a flow.
            let hl = usize::from(ip[0] & 0x0f) * 4;
            if self.class == Class::IcmpPing && ip.get(hl) != Some(&8) {
                out.drop(p, NO_MAPPING);
                continue;
            }
            let (rewritten, f, r) = match self.specs.get(port) {
                Some(InputSpec::Pass(n)) => {
                    out.emit(*n, p);
                    continue;
                }
                Some(InputSpec::Keep(f, r)) => (Some(id), *f, *r),
                Some(InputSpec::Pattern(pat, f, r)) => (
                    pat.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .apply(&id, &table),
                    *f,
                    *r,
                ),
                Some(InputSpec::Mapper(m)) => match m.choose() {
                    Some((pat, f, r)) => (
                        pat.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .apply(&id, &table),
                        f,
                        r,
                    ),
                    None => (None, 0, 0),
                },
                _ => {
                    out.drop(p, NO_MAPPING);
                    continue;
                }
            };
            let Some(rewritten) = rewritten else {
                table.failures += 1;
                out.drop(p, MAPPING_FAILED);
                continue;
            };
            let flow = Flow {
                forward: id,
                rewritten,
                forward_port: f,
                reply_port: r,
                input: port,
                expiry_ns: now + self.timeout(id.proto, finished),
                done: finished,
            };
            // As in Click, a flow whose reply direction another flow
            // already uses is rewritten but not remembered.
            if !table.contains(&rewritten.reverse(), true) && !table.insert(flow, now) {
                out.drop(p, MAPPING_FAILED);
                continue;
            }
            let to = self.translate(&flow, false, &id);
            rewrite(ip, &id, &to);
            if self.dst_anno {
                p.anno_mut().set_dst_ip(to.daddr.into());
            }
            out.emit(f, p);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.monotonic_ns();
        let dump = |proto: Option<u8>| {
            let mut s = String::new();
            for f in table.flows() {
                if proto.is_some_and(|p| p != f.forward.proto) || f.expiry_ns <= now {
                    continue;
                }
                let exp = (f.expiry_ns - now + 500_000_000) / 1_000_000_000;
                f.forward.unparse(&mut s);
                s.push_str(" => ");
                f.rewritten.unparse(&mut s);
                let _ = writeln!(
                    s,
                    " [*{} {}] i{} exp{exp}",
                    f.forward_port, f.reply_port, f.input
                );
                f.rewritten.reverse().unparse(&mut s);
                s.push_str(" => ");
                f.forward.reverse().unparse(&mut s);
                let _ = writeln!(
                    s,
                    " [{} *{}] i{} exp{exp}",
                    f.forward_port, f.reply_port, f.input
                );
            }
            s
        };
        match name {
            "table" => Ok(dump(None)),
            "tcp_table" => Ok(dump(Some(6))),
            "udp_table" => Ok(dump(Some(17))),
            "table_size" | "nmappings" | "size" => Ok(table.len().to_string()),
            "mapping_failures" => Ok(table.failures.to_string()),
            "capacity" => Ok(table.capacity.to_string()),
            "patterns" => Ok(self
                .specs
                .iter()
                .map(|s| format!("{}\n", s.unparse()))
                .collect()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        match name {
            "capacity" => {
                let c: u32 = crate::util::parse_handler_value("capacity", value)?;
                table.capacity = c.max(1) as usize;
                Ok(())
            }
            "clear" => {
                table.clear();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
