//! AggregateCounter — counts packets or bytes per aggregate annotation.
//!
//! ## Synopsis
//! `AggregateCounter([keywords BYTES, IP_BYTES, MULTIPACKET, EXTRA_LENGTH, AGGREGATE_STOP, AGGREGATE_FREEZE, AGGREGATE_CALL, COUNT_STOP, COUNT_FREEZE, COUNT_CALL, BANNER])`
//!
//! ## Ports
//! 1 or 2 inputs, 1 or 2 outputs; agnostic.
//!
//! ## Description
//! Keeps a count for each value of the aggregate annotation (set by
//! AggregateIPFlows, FromIPSummaryDump, …): packets, or with BYTES true,
//! bytes. Write `write_text_file` (or another `write_…_file` handler) to
//! get the counts. A frozen counter only adds to aggregates it already
//! counts; packets of new aggregates are not counted. Input 1, if any, is
//! always frozen. With two outputs (push), counted packets leave on output
//! 0 and the others on output 1; with one, every packet leaves on it.
//!
//! Counts are kept in a binary radix tree over the aggregate values, as
//! Click does, so files list aggregates in increasing order.
//!
//! ## Arguments
//! - `BYTES` (bool, default false): count bytes, not packets.
//! - `IP_BYTES` (bool, default false): leave out the bytes before the
//!   network header.
//! - `MULTIPACKET` (bool, default true): a packet counts as 1 plus its
//!   extra packets annotation.
//! - `EXTRA_LENGTH` (bool, default true): bytes include the extra length
//!   annotation.
//! - `AGGREGATE_STOP N`, `AGGREGATE_FREEZE N`, `AGGREGATE_CALL 'N HANDLER
//!   [VALUE]'`: stop the router, freeze, or call a write handler once N
//!   aggregates are counted (when a packet of a new aggregate comes).
//!   At most one of the three.
//! - `COUNT_STOP N`, `COUNT_FREEZE N`, `COUNT_CALL 'N HANDLER [VALUE]'`:
//!   likewise once the total count reaches N. At most one of the three.
//! - `BANNER` (string): written after the first line of every file.
//!
//! ## Handlers
//! - `write_text_file FILE` (alias `write_ascii_file`): `!IPAggregate
//!   1.0`, the banner, `!num_nonzero N`, then a line `AGGREGATE COUNT`
//!   per aggregate. `-` is standard output.
//! - `write_ip_file FILE`: the same with aggregates as IPv4 addresses
//!   (after a line `!ip`).
//! - `write_pdf_file FILE`: each count divided by the total (`%.12g`).
//! - `write_file FILE`: after the text lines and `!packed_le`, 8-byte
//!   records (aggregate, count) in the host's byte order.
//! - `freeze`, `active` (read/write): booleans.
//! - `stop` (write): deactivate and stop the router.
//! - `clear` (write): forget every count.
//! - `reaggregate_counts`, `counts_pdf` (write): replace the counts by the
//!   distribution of counts (aggregate = old count, count = how many
//!   aggregates had it).
//! - `banner` (read/write); `aggregate_call`, `count_call` (read/write, `N
//!   HANDLER [VALUE]`, empty to cancel).
//! - `count` (read): total count; `nagg` (read): aggregates counted.
//!
//! ## Differences from Click
//! - Calls to another element's handler (AGGREGATE_CALL, COUNT_CALL) are
//!   made by the element's task right after the batch that triggered them;
//!   calls to its own handlers (the FREEZE and STOP forms) happen at once,
//!   as in Click.
//! - `stop` and the STOP forms stop the router from the element's task.
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true) -> CheckIPHeader(14)
//!   -> AggregateIPFlows -> ac :: AggregateCounter -> Discard;
//! // yard run … then write ac.write_text_file counts.txt
//! ```

use std::fmt::Write as _;
use std::io::Write as _;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, TaskContext, TaskStatus,
};
use packet::{Packet, PacketBatch, anno::offset};

pub const SPEC: ElementSpec = ElementSpec {
    class: "AggregateCounter",
    ports: "1-2/1-2",
    processing: "a/a",
    source: include_str!("aggregatecounter.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::write("write_text_file", "write the counts as text"),
        HandlerSpec::write("write_ascii_file", "write the counts as text"),
        HandlerSpec::write("write_ip_file", "write the counts, aggregates as addresses"),
        HandlerSpec::write("write_pdf_file", "write counts divided by the total"),
        HandlerSpec::write("write_file", "write the counts in packed binary"),
        HandlerSpec::read_write("freeze", "whether only existing aggregates count"),
        HandlerSpec::read_write("active", "whether packets are counted"),
        HandlerSpec::write("stop", "deactivate and stop the router"),
        HandlerSpec::write("clear", "forget every count"),
        HandlerSpec::write("reaggregate_counts", "replace counts by their distribution"),
        HandlerSpec::write("counts_pdf", "replace counts by their distribution"),
        HandlerSpec::read_write("banner", "text written at the head of files"),
        HandlerSpec::read_write("aggregate_call", "N HANDLER [VALUE] called at N aggregates"),
        HandlerSpec::read_write("count_call", "N HANDLER [VALUE] called at count N"),
        HandlerSpec::read("count", "total count"),
        HandlerSpec::read("nagg", "aggregates counted"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy)]
struct Node {
    aggregate: u32,
    count: u32,
    children: Option<[u32; 2]>,
}

/// Click's radix tree of counts ("straight out of tcpdpriv"): internal
/// nodes carry the common prefix of their subtree, and a count when an
/// aggregate equals the prefix.
struct Tree {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
}

/// 1-based position of the most significant set bit, counted from the top
/// (Click's `ffs_msb`); 0 for 0.
fn ffs_msb(x: u32) -> u32 {
    if x == 0 { 0 } else { x.leading_zeros() + 1 }
}

impl Tree {
    fn new() -> Tree {
        let mut t = Tree {
            nodes: Vec::new(),
            free: Vec::new(),
            root: 0,
        };
        t.root = t.alloc(Node {
            aggregate: 0,
            count: 0,
            children: None,
        });
        t
    }

    fn alloc(&mut self, n: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = n;
                i
            }
            None => {
                self.nodes.push(n);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    fn node(&self, i: u32) -> Node {
        self.nodes[i as usize]
    }

    fn make_peer(&mut self, a: u32, n: u32) -> u32 {
        let old = self.node(n);
        let swivel = ffs_msb(a ^ old.aggregate);
        let bit = ((a >> (32 - swivel)) & 1) as usize;
        let mask = if swivel == 1 {
            0
        } else {
            u32::MAX << (33 - swivel)
        };
        let fresh = Node {
            aggregate: a,
            count: 0,
            children: None,
        };
        let mut down = [0u32; 2];
        down[bit] = self.alloc(fresh);
        down[1 - bit] = self.alloc(old);
        let d0 = down[0] as usize;
        let prefix = self.nodes[d0].aggregate & mask;
        let mut parent = Node {
            aggregate: prefix,
            count: 0,
            children: Some(down),
        };
        if self.nodes[d0].aggregate == prefix {
            parent.count = self.nodes[d0].count;
            self.nodes[d0].count = 0;
        }
        self.nodes[n as usize] = parent;
        if prefix == a { n } else { down[bit] }
    }

    /// The node counting `a`, made if needed unless `frozen`.
    fn find(&mut self, a: u32, frozen: bool) -> Option<u32> {
        let mut n = self.root;
        loop {
            let node = self.node(n);
            if node.aggregate == a {
                return (node.count != 0 || !frozen).then_some(n);
            }
            match node.children {
                None => {
                    if frozen {
                        return None;
                    }
                    n = self.make_peer(a, n);
                }
                Some([c0, c1]) => {
                    let swivel = ffs_msb(self.node(c0).aggregate ^ self.node(c1).aggregate);
                    if ffs_msb(a ^ node.aggregate) < swivel {
                        if frozen {
                            return None;
                        }
                        n = self.make_peer(a, n);
                    } else if swivel > 0 && a & (1u32 << (32 - swivel)) != 0 {
                        n = c1;
                    } else {
                        n = c0;
                    }
                }
            }
        }
    }

    /// Every node in pre-order (which is increasing aggregate order).
    fn preorder(&self) -> Vec<Node> {
        let mut out = Vec::new();
        let mut stack = vec![self.root];
        while let Some(i) = stack.pop() {
            let n = self.node(i);
            out.push(n);
            if let Some([c0, c1]) = n.children {
                stack.push(c1);
                stack.push(c0);
            }
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Binary,
    Ip,
    Pdf,
}

/// A handler call: `element.handler value`.
#[derive(Clone)]
struct Call {
    at: u64,
    handler: String,
    value: String,
}

impl Call {
    fn unparse(&self) -> String {
        if self.value.is_empty() {
            format!("{} {}", self.at, self.handler)
        } else {
            format!("{} {} {}", self.at, self.handler, self.value)
        }
    }
}

struct AggregateCounter {
    name: String,
    bytes: bool,
    ip_bytes: bool,
    multipacket: bool,
    extra_length: bool,
    frozen: bool,
    active: bool,
    tree: Tree,
    nonzero: u32,
    count: u64,
    nnz_call: Option<Call>,
    count_call: Option<Call>,
    banner: String,
    /// Calls to other elements' handlers waiting for the task.
    pending: Vec<(String, String)>,
    stop: bool,
    scratch: PacketBatch,
}

fn parse_call(text: &str, what: &str) -> Result<Call, String> {
    let words = clickconf::args::split_words(text);
    let (Some(n), Some(h)) = (words.first(), words.get(1)) else {
        return Err(format!("{what} should be 'N HANDLER [VALUE]'"));
    };
    let at = n
        .parse::<u64>()
        .map_err(|_| format!("{what} first word should be unsigned"))?;
    if !h.contains('.') {
        return Err(format!(
            "{what}: '{h}' is not a handler name 'ELEMENT.HANDLER'"
        ));
    }
    let rest = text
        .trim_start()
        .strip_prefix(n)
        .unwrap_or("")
        .trim_start()
        .strip_prefix(h)
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(Call {
        at,
        handler: (*h).to_string(),
        value: rest,
    })
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let bytes = args.read::<bool>("BYTES")?.unwrap_or(false);
    let ip_bytes = args.read::<bool>("IP_BYTES")?.unwrap_or(false);
    let multipacket = args.read::<bool>("MULTIPACKET")?.unwrap_or(true);
    let extra_length = args.read::<bool>("EXTRA_LENGTH")?.unwrap_or(true);
    let freeze_nnz = args.read::<u32>("AGGREGATE_FREEZE")?;
    let freeze_count = args.read::<u64>("COUNT_FREEZE")?;
    let stop_nnz = args.read::<u32>("AGGREGATE_STOP")?;
    let stop_count = args.read::<u64>("COUNT_STOP")?;
    let call_nnz = args.read::<String>("AGGREGATE_CALL")?;
    let call_count = args.read::<String>("COUNT_CALL")?;
    let banner = args.read::<String>("BANNER")?.unwrap_or_default();
    let name = cx.name.clone();
    let own = |at: u64, h: &str, v: &str| Call {
        at,
        handler: format!("{name}.{h}"),
        value: v.to_string(),
    };
    let nnz_call = match (freeze_nnz, stop_nnz, call_nnz) {
        (None, None, None) => None,
        (Some(n), None, None) => Some(own(u64::from(n), "freeze", "true")),
        (None, Some(n), None) => Some(own(u64::from(n), "stop", "")),
        (None, None, Some(text)) => {
            Some(parse_call(&text, "AGGREGATE_CALL").map_err(ConfigError::msg)?)
        }
        _ => {
            return Err(ConfigError::msg(
                "'AGGREGATE_FREEZE', 'AGGREGATE_STOP', and 'AGGREGATE_CALL' are mutually exclusive",
            ));
        }
    };
    let count_call = match (freeze_count, stop_count, call_count) {
        (None, None, None) => None,
        (Some(n), None, None) => Some(own(n, "freeze", "true")),
        (None, Some(n), None) => Some(own(n, "stop", "")),
        (None, None, Some(text)) => {
            Some(parse_call(&text, "COUNT_CALL").map_err(ConfigError::msg)?)
        }
        _ => {
            return Err(ConfigError::msg(
                "'COUNT_FREEZE', 'COUNT_STOP', and 'COUNT_CALL' are mutually exclusive",
            ));
        }
    };
    Ok(Box::new(AggregateCounter {
        name: cx.name.clone(),
        bytes,
        ip_bytes,
        multipacket,
        extra_length,
        frozen: false,
        active: true,
        tree: Tree::new(),
        nonzero: 0,
        count: 0,
        nnz_call,
        count_call,
        banner,
        pending: Vec::new(),
        stop: false,
        scratch: PacketBatch::new(),
    }))
}

fn anno_u32(p: &Packet, at: usize) -> u32 {
    p.anno().get::<4>(at).map_or(0, u32::from_ne_bytes)
}

/// C's `%.{prec}g`.
pub(crate) fn format_g(x: f64, prec: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, x);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= p as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mant), exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip(&format!("{x:.decimals$}"))
    }
}

impl AggregateCounter {
    /// Calls a handler: this element's own at once, another's from the task.
    fn call(&mut self, handler: &str, value: &str) {
        if let Some(h) = handler
            .strip_prefix(self.name.as_str())
            .and_then(|h| h.strip_prefix('.'))
        {
            let h = h.to_string();
            let _ = self.write_handler(&h, value);
        } else {
            self.pending.push((handler.to_string(), value.to_string()));
        }
    }

    fn update(&mut self, p: &Packet, frozen: bool) -> bool {
        if !self.active {
            return false;
        }
        let agg = anno_u32(p, offset::AGGREGATE);
        let Some(n) = self.tree.find(agg, frozen) else {
            return false;
        };
        let amount: u32 = if !self.bytes {
            1u32.wrapping_add(if self.multipacket {
                anno_u32(p, offset::EXTRA_PACKETS)
            } else {
                0
            })
        } else {
            let mut a = (p.len() as u32).wrapping_add(if self.extra_length {
                anno_u32(p, offset::EXTRA_LENGTH)
            } else {
                0
            });
            if self.ip_bytes
                && let Some(off) = p.network_header_data_offset()
            {
                a = a.wrapping_sub(off as u32);
            }
            a
        };
        if amount != 0 && self.tree.node(n).count == 0 {
            if let Some(call) = self
                .nnz_call
                .as_ref()
                .filter(|c| u64::from(self.nonzero) >= c.at)
                .cloned()
            {
                self.nnz_call = None;
                self.call(&call.handler, &call.value);
                let frozen = frozen || self.frozen;
                return self.update(p, frozen);
            }
            self.nonzero += 1;
        }
        let node = &mut self.tree.nodes[n as usize];
        node.count = node.count.wrapping_add(amount);
        self.count = self.count.wrapping_add(u64::from(amount));
        if let Some(call) = self
            .count_call
            .as_ref()
            .filter(|c| self.count >= c.at)
            .cloned()
        {
            self.count_call = None;
            self.call(&call.handler, &call.value);
        }
        true
    }

    fn clear(&mut self) {
        self.tree = Tree::new();
        self.nonzero = 0;
        self.count = 0;
    }

    fn reaggregate(&mut self) {
        let old = self.tree.preorder();
        self.clear();
        for n in old {
            if let Some(i) = self.tree.find(n.count, false) {
                if self.tree.node(i).count == 0 {
                    self.nonzero += 1;
                }
                let node = &mut self.tree.nodes[i as usize];
                node.count = node.count.wrapping_add(1);
                self.count += 1;
            }
        }
    }

    /// The file `write_…_file` writes.
    fn file_bytes(&self, format: Format) -> Vec<u8> {
        let mut out = String::from("!IPAggregate 1.0\n");
        out.push_str(&self.banner);
        if !self.banner.is_empty() && !self.banner.ends_with('\n') {
            out.push('\n');
        }
        let _ = writeln!(out, "!num_nonzero {}", self.nonzero);
        match format {
            Format::Binary => out.push_str(if cfg!(target_endian = "little") {
                "!packed_le\n"
            } else {
                "!packed_be\n"
            }),
            Format::Ip => out.push_str("!ip\n"),
            _ => {}
        }
        let mut bytes = out.into_bytes();
        for n in self.tree.preorder().into_iter().filter(|n| n.count > 0) {
            match format {
                Format::Binary => {
                    bytes.extend_from_slice(&n.aggregate.to_ne_bytes());
                    bytes.extend_from_slice(&n.count.to_ne_bytes());
                }
                Format::Text => {
                    bytes.extend_from_slice(format!("{} {}\n", n.aggregate, n.count).as_bytes())
                }
                Format::Ip => bytes.extend_from_slice(
                    format!("{} {}\n", std::net::Ipv4Addr::from(n.aggregate), n.count).as_bytes(),
                ),
                Format::Pdf => bytes.extend_from_slice(
                    format!(
                        "{} {}\n",
                        n.aggregate,
                        format_g(f64::from(n.count) / self.count as f64, 12)
                    )
                    .as_bytes(),
                ),
            }
        }
        bytes
    }

    fn write_file(&self, value: &str, format: Format) -> Result<(), HandlerError> {
        let name = clickconf::args::unquote(value.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| HandlerError::BadValue("argument should be filename".into()))?;
        let bytes = self.file_bytes(format);
        let result = if name == "-" {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|()| out.flush())
        } else {
            std::fs::write(&name, &bytes)
        };
        result.map_err(|e| HandlerError::BadValue(format!("{name}: {e}")))
    }

    fn handle_port(&mut self, port: usize, p: &Packet) -> bool {
        let frozen = self.frozen || port == 1;
        self.update(p, frozen)
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, HandlerError> {
    crate::util::parse_handler_value::<bool>(name, value)
        .map_err(|_| HandlerError::BadValue("type mismatch".into()))
}

impl Element for AggregateCounter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        cx.schedule_task();
        Ok(())
    }

    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let two = out.ports() > 1;
        for p in batch.drain() {
            let counted = self.handle_port(port, &p);
            out.emit(if two && !counted { 1 } else { 0 }, p);
        }
    }

    fn pull(
        &mut self,
        port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let mut batch = std::mem::take(&mut self.scratch);
        cx.pull_input(port, max, &mut batch);
        for p in batch.drain() {
            self.handle_port(port, &p);
            into.push(p);
        }
        self.scratch = batch;
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, _out: &mut Output) -> TaskStatus {
        if self.pending.is_empty() && !self.stop {
            return TaskStatus::Idle(None);
        }
        for (h, v) in std::mem::take(&mut self.pending) {
            if let Err(e) = cx.handlers().write(&h, &v) {
                eprintln!("{}: {h}: {e}", self.name);
            }
        }
        if std::mem::take(&mut self.stop) {
            cx.stop_router();
        }
        TaskStatus::Worked
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "freeze" => self.frozen.to_string(),
            "active" => self.active.to_string(),
            "banner" => self.banner.clone(),
            "aggregate_call" => self
                .nnz_call
                .as_ref()
                .map(Call::unparse)
                .unwrap_or_default(),
            "count_call" => self
                .count_call
                .as_ref()
                .map(Call::unparse)
                .unwrap_or_default(),
            "count" => self.count.to_string(),
            "nagg" => self.nonzero.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "write_text_file" | "write_ascii_file" => self.write_file(value, Format::Text)?,
            "write_file" => self.write_file(value, Format::Binary)?,
            "write_ip_file" => self.write_file(value, Format::Ip)?,
            "write_pdf_file" => self.write_file(value, Format::Pdf)?,
            "freeze" => self.frozen = parse_bool(name, value)?,
            "active" => self.active = parse_bool(name, value)?,
            "stop" => {
                self.active = false;
                self.stop = true;
            }
            "reaggregate_counts" | "counts_pdf" => self.reaggregate(),
            "banner" => {
                self.banner = value.to_string();
                if !value.is_empty() && !value.ends_with('\n') {
                    self.banner.push('\n');
                } else if value.len() == 1 {
                    self.banner.clear();
                }
            }
            "clear" => self.clear(),
            "aggregate_call" | "count_call" => {
                let call = if value.trim().is_empty() {
                    None
                } else {
                    Some(parse_call(value, name).map_err(HandlerError::BadValue)?)
                };
                if name == "aggregate_call" {
                    self.nnz_call = call;
                } else {
                    self.count_call = call;
                }
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(t: &Tree) -> Vec<(u32, u32)> {
        t.preorder()
            .into_iter()
            .filter(|n| n.count > 0)
            .map(|n| (n.aggregate, n.count))
            .collect()
    }

    #[test]
    fn tree_lists_in_increasing_order() {
        let mut t = Tree::new();
        for a in [7u32, 3, 0x8000_0000, 3, 12, 0, 8, 0xffff_ffff, 7, 7] {
            let n = t.find(a, false).unwrap();
            t.nodes[n as usize].count += 1;
        }
        assert_eq!(
            counts(&t),
            vec![
                (0, 1),
                (3, 2),
                (7, 3),
                (8, 1),
                (12, 1),
                (0x8000_0000, 1),
                (0xffff_ffff, 1)
            ]
        );
        assert!(t.find(99, true).is_none());
        assert!(t.find(12, true).is_some());
    }

    #[test]
    fn g_format_matches_c() {
        assert_eq!(format_g(0.5, 12), "0.5");
        assert_eq!(format_g(1.0 / 3.0, 12), "0.333333333333");
        assert_eq!(format_g(1.0, 12), "1");
        assert_eq!(format_g(0.00001234, 12), "1.234e-05");
        assert_eq!(format_g(2.0 / 7.0, 12), "0.285714285714");
    }

    #[test]
    fn calls_parse() {
        let c = parse_call("5 x.stop", "X").unwrap();
        assert_eq!(
            (c.at, c.handler.as_str(), c.value.as_str()),
            (5, "x.stop", "")
        );
        let c = parse_call("5 x.freeze true", "X").unwrap();
        assert_eq!(c.unparse(), "5 x.freeze true");
        assert!(parse_call("x y.z", "X").is_err());
    }
}
