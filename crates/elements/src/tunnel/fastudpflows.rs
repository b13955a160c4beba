//! FastUDPFlows — makes UDP packets of many flows quickly, for load tests.
//!
//! ## Synopsis
//! `FastUDPFlows(RATE, LIMIT, LENGTH, SRCETH, SRCIP, DSTETH, DSTIP, FLOWS, FLOWSIZE [, CHECKSUM, ACTIVE])`
//!
//! ## Ports
//! No inputs, 1 output; pull.
//!
//! ## Description
//! Makes Ethernet/IPv4/UDP packets of LENGTH bytes (Ethernet header
//! included) from SRCETH/SRCIP to DSTETH/DSTIP: IP ID 0, TTL 250, no
//! options, zero payload. The packets belong to FLOWS flows that differ in
//! their (random) UDP source and destination ports. Each packet goes to a
//! flow chosen at random; a flow that has sent FLOWSIZE packets takes new
//! random ports, becoming a new flow, before its next packet. RATE is
//! packets per second (0: as fast as pulled); LIMIT is the total number of
//! packets (-1: no limit). The packets carry the destination-IP
//! annotation, and their MAC and network header annotations are set; their
//! timestamp annotation is zero.
//!
//! Making a packet costs no allocation: the source takes buffers from the
//! packet pool a batch at a time and, when a buffer it filled before comes
//! back, writes only the headers and whatever bytes elements changed since.
//!
//! ## Arguments
//! - `RATE` (unsigned): packets per second; 0 for no limit.
//! - `LIMIT` (integer): packets to make in all; negative for no limit.
//! - `LENGTH` (unsigned): frame length; below 60 it is taken as 60 (with
//!   a warning, as in Click).
//! - `SRCETH`, `SRCIP`, `DSTETH`, `DSTIP`: the addresses.
//! - `FLOWS` (1 to 1048576): flows at once.
//! - `FLOWSIZE` (unsigned): packets per flow before its ports change.
//! - `CHECKSUM` (bool, default true): compute UDP checksums (else zero).
//! - `ACTIVE` (bool, default true): make packets at all.
//!
//! ## Handlers
//! - `count` (read): packets made.
//! - `rate` (read): packets per second from the first packet to the
//!   LIMIT-th, 0 before; (write): a new RATE.
//! - `reset` (write): count from zero.
//! - `active` (read/write): writing true also resets the count.
//! - `limit` (write): a new LIMIT (negative: none).
//! - `length` (read/write): the frame length; writing a new one makes new
//!   flows and resets the count.
//!
//! ## Differences from Click
//! - Packets are written into pooled buffers from per-flow headers (Click
//!   hands out clones of one buffer per flow); the bytes are the same.
//! - The random ports come from a generator seeded from the element's
//!   name, so a run is repeatable; Click's differ from run to run.
//! - A UDP checksum computing to 0 is sent as `ffff` (RFC 768); Click sends
//!   0.
//! - `active` is also readable.
//!
//! ## Example
//! ```text
//! FastUDPFlows(0, 5000000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1000, 1000000)
//!   -> Unqueue(BURST 32) -> ...
//! ```

use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{Args, EtherAddress};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext,
};
use packet::{MAX_PACKET_LEN, Packet, PacketBatch};

use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FastUDPFlows",
    ports: "0/1",
    processing: "l/l",
    source: include_str!("fastudpflows.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets made"),
        HandlerSpec::read_write("rate", "measured rate (read), RATE (write)"),
        HandlerSpec::write("reset", "count from zero"),
        HandlerSpec::read_write("active", "whether packets are made"),
        HandlerSpec::write("limit", "LIMIT"),
        HandlerSpec::read_write("length", "frame length"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let rate = args.read_mp::<u32>("RATE")?;
    let limit = args.read_mp::<i64>("LIMIT")?;
    let len = args.read_mp::<u32>("LENGTH")?;
    let src_eth = args.read_mp::<EtherAddress>("SRCETH")?;
    let src_ip = args.read_mp::<Ipv4Addr>("SRCIP")?;
    let dst_eth = args.read_mp::<EtherAddress>("DSTETH")?;
    let dst_ip = args.read_mp::<Ipv4Addr>("DSTIP")?;
    let nflows = args.read_mp::<u32>("FLOWS")?;
    let flowsize = args.read_mp::<u32>("FLOWSIZE")?;
    let checksum = args.read_p::<bool>("CHECKSUM")?.unwrap_or(true);
    let active = args.read_p::<bool>("ACTIVE")?.unwrap_or(true);
    let e = FastFlows::new(
        FlowsConfig {
            class: "FastUDPFlows",
            rate,
            limit,
            len,
            src: (src_eth, src_ip),
            dst: (dst_eth, dst_ip),
            nflows,
            flowsize: u64::from(flowsize),
            proto: Proto::Udp { checksum },
            active,
            ports: None,
            interval: 0,
        },
        cx,
    )?;
    Ok(Box::new(e))
}

/// The transport a fast source makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    Udp {
        checksum: bool,
    },
    /// SYN, data (PSH ACK) and FIN packets per flow.
    Tcp,
}

/// What a fast source makes.
pub(crate) struct FlowsConfig {
    /// The class, for messages.
    pub class: &'static str,
    pub rate: u32,
    pub limit: i64,
    pub len: u32,
    pub src: (EtherAddress, Ipv4Addr),
    pub dst: (EtherAddress, Ipv4Addr),
    pub nflows: u32,
    pub flowsize: u64,
    pub proto: Proto,
    pub active: bool,
    /// Fixed source and destination ports (else random per flow).
    pub ports: Option<(u16, u16)>,
    /// With fixed ports: every this many packets both ports go up by one
    /// (FastUDPSource's INTERVAL; 0 never).
    pub interval: u32,
}

const ETHER_LEN: usize = 14;
const IP_LEN: usize = 20;
const UDP_HEADERS: usize = ETHER_LEN + IP_LEN + 8;
const TCP_HEADERS: usize = ETHER_LEN + IP_LEN + 20;
/// Most packets a rate can ask for (Click's GapRate maximum is 1e9 / s).
const MAX_RATE: u32 = 1_000_000_000;
const MAX_FLOWS: u32 = 1 << 20;
const TCP_SYN: u8 = 0x02;
const TCP_FIN: u8 = 0x01;
const TCP_PSH_ACK: u8 = 0x18;

/// The generator behind FastUDPFlows, FastUDPSource and FastTCPFlows.
pub(crate) struct FastFlows {
    name: String,
    class: &'static str,
    src: (EtherAddress, Ipv4Addr),
    dst: (EtherAddress, Ipv4Addr),
    proto: Proto,
    fixed_ports: Option<(u16, u16)>,
    interval: u32,
    /// Frame length, and the header bytes that differ between packets.
    len: usize,
    hdr_len: usize,
    /// Templates per flow (1 for UDP; SYN, data, FIN for TCP).
    per_flow: usize,
    /// `hdr_len` bytes per template, flow after flow.
    headers: Vec<u8>,
    /// Packets each flow has sent under its current ports (Click's
    /// `flow_count`).
    sent: Vec<u64>,
    /// A whole frame: the first template's headers and the zero payload,
    /// for buffers this source has not filled before.
    frame: Vec<u8>,
    tag: u64,
    flowsize: u64,
    limit: Option<u64>,
    count: u64,
    active: bool,
    /// TCP: a FIN has gone for every flow after the limit.
    sent_all_fins: bool,
    /// FastUDPSource: how far the ports have moved.
    incr: u16,
    /// Nanoseconds between packets (0: unlimited), and when the next may go.
    interval_ns: u64,
    next_ns: Option<u64>,
    /// Monotonic times of the first packet and of the LIMIT-th.
    first_ns: Option<u64>,
    last_ns: Option<u64>,
    rng: u64,
    clock: Arc<dyn Clock>,
}

impl FastFlows {
    pub(crate) fn new(c: FlowsConfig, cx: &BuildContext) -> Result<FastFlows, ConfigError> {
        let FlowsConfig {
            class,
            rate,
            limit,
            len,
            src,
            dst,
            nflows,
            flowsize,
            proto,
            active,
            ports,
            interval,
        } = c;
        if nflows == 0 || nflows > MAX_FLOWS {
            return Err(ConfigError::msg(format!(
                "FLOWS {nflows} out of range (1 to {MAX_FLOWS})"
            )));
        }
        if rate > MAX_RATE {
            return Err(ConfigError::msg(format!(
                "RATE {rate} too large; max is {MAX_RATE}"
            )));
        }
        let mut flowsize = flowsize;
        if proto == Proto::Tcp && flowsize < 3 {
            eprintln!(
                "{} :: {class}: warning: flow size < 3, defaulting to 3",
                cx.name
            );
            flowsize = 3;
        }
        // FNV-1a of the name: repeatable, and distinct per element.
        let seed = cx.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let (hdr_len, per_flow) = match proto {
            Proto::Udp { .. } => (UDP_HEADERS, 1),
            Proto::Tcp => (TCP_HEADERS, 3),
        };
        let mut e = FastFlows {
            name: cx.name.clone(),
            class,
            src,
            dst,
            proto,
            fixed_ports: ports,
            interval,
            len: 0,
            hdr_len,
            per_flow,
            headers: Vec::new(),
            sent: vec![0; nflows as usize],
            frame: Vec::new(),
            tag: Packet::new_origin_tag(),
            flowsize,
            limit: u64::try_from(limit).ok(),
            count: 0,
            active,
            sent_all_fins: false,
            incr: 0,
            interval_ns: 0,
            next_ns: None,
            first_ns: None,
            last_ns: None,
            rng: seed | 1,
            clock: cx.clock.clone(),
        };
        e.set_rate(rate);
        e.set_length(len).map_err(ConfigError::msg)?;
        Ok(e)
    }

    /// Makes the flows anew for frames of `len` bytes (Click's
    /// `initialize`): new ports, sequence numbers, counts from zero.
    fn set_length(&mut self, len: u32) -> Result<(), String> {
        let mut len = len as usize;
        if len < 60 {
            eprintln!(
                "{} :: {}: warning: packet length < 60, defaulting to 60",
                self.name, self.class
            );
            len = 60;
        }
        if len > MAX_PACKET_LEN {
            return Err(format!(
                "LENGTH {len} exceeds the largest packet ({MAX_PACKET_LEN} bytes)"
            ));
        }
        self.len = len;
        self.frame = vec![0; len];
        self.tag = Packet::new_origin_tag();
        let nflows = self.sent.len();
        let base = self.base_header();
        self.headers = Vec::with_capacity(nflows * self.per_flow * self.hdr_len);
        for _ in 0..nflows * self.per_flow {
            self.headers.extend_from_slice(&base);
        }
        if self.proto == Proto::Tcp {
            for i in 0..nflows {
                for (k, flags) in [TCP_SYN, TCP_PSH_ACK, TCP_FIN].into_iter().enumerate() {
                    let seq = self.random() as u32;
                    let ack = self.random() as u32;
                    let h = self.header_mut(i, k);
                    h[38..42].copy_from_slice(&seq.to_be_bytes());
                    h[42..46].copy_from_slice(&ack.to_be_bytes());
                    h[47] = flags;
                }
            }
        }
        for i in 0..nflows {
            let (sport, dport) = match self.fixed_ports {
                Some(p) => p,
                None => self.random_ports(),
            };
            self.set_ports(i, sport, dport);
        }
        self.sent.fill(0);
        self.frame[..self.hdr_len].copy_from_slice(&self.headers[..self.hdr_len]);
        self.reset();
        Ok(())
    }

    /// The headers every template starts from: Ethernet, IPv4 (checksum
    /// done), and the transport header without ports or checksum.
    fn base_header(&self) -> Vec<u8> {
        let len = self.len;
        let mut t = vec![0u8; self.hdr_len];
        t[0..6].copy_from_slice(&self.dst.0.0);
        t[6..12].copy_from_slice(&self.src.0.0);
        t[12..14].copy_from_slice(&[0x08, 0x00]);
        t[14] = 0x45;
        t[16..18].copy_from_slice(&((len - ETHER_LEN) as u16).to_be_bytes());
        t[22] = 250;
        t[23] = match self.proto {
            Proto::Udp { .. } => 17,
            Proto::Tcp => 6,
        };
        t[26..30].copy_from_slice(&self.src.1.octets());
        t[30..34].copy_from_slice(&self.dst.1.octets());
        let c = packet::checksum::checksum(&t[14..34]);
        t[24..26].copy_from_slice(&c.to_be_bytes());
        match self.proto {
            Proto::Udp { .. } => {
                t[38..40].copy_from_slice(&((len - ETHER_LEN - IP_LEN) as u16).to_be_bytes());
            }
            Proto::Tcp => {
                t[46] = 0x50;
                t[48..50].copy_from_slice(&[0xff, 0xff]);
            }
        }
        t
    }

    fn header_mut(&mut self, flow: usize, k: usize) -> &mut [u8] {
        let at = (flow * self.per_flow + k) * self.hdr_len;
        &mut self.headers[at..at + self.hdr_len]
    }

    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// A number below `n`, from the generator's high bits.
    fn random_below(&mut self, n: u64) -> u64 {
        ((self.random() >> 32) * n) >> 32
    }

    /// Random ports below 0xffff, as Click's.
    fn random_ports(&mut self) -> (u16, u16) {
        let s = self.random_below(0xffff) as u16;
        let d = self.random_below(0xffff) as u16;
        (s, d)
    }

    /// Gives flow `i`'s templates these ports, with their checksums.
    fn set_ports(&mut self, i: usize, sport: u16, dport: u16) {
        let transport_len = (self.len - ETHER_LEN - IP_LEN) as u16;
        let (protocol, check_at, checksum) = match self.proto {
            Proto::Udp { checksum } => (packet::ip::IpProtocol::Udp, 40, checksum),
            Proto::Tcp => (packet::ip::IpProtocol::Tcp, 50, true),
        };
        let pseudo =
            packet::checksum::pseudo_header_v4(self.src.1, self.dst.1, protocol, transport_len);
        let udp = matches!(self.proto, Proto::Udp { .. });
        for k in 0..self.per_flow {
            let h = self.header_mut(i, k);
            h[34..36].copy_from_slice(&sport.to_be_bytes());
            h[36..38].copy_from_slice(&dport.to_be_bytes());
            h[check_at..check_at + 2].copy_from_slice(&[0, 0]);
            if checksum {
                // The payload is zero: the headers are all the sum needs.
                let body = packet::checksum::sum(&h[34..]);
                let mut c = packet::checksum::finish(&[pseudo, body]);
                if udp && c == 0 {
                    c = 0xffff;
                }
                h[check_at..check_at + 2].copy_from_slice(&c.to_be_bytes());
            }
        }
    }

    fn set_rate(&mut self, rate: u32) {
        self.interval_ns = if rate == 0 {
            0
        } else {
            1_000_000_000 / u64::from(rate)
        };
        self.next_ns = None;
    }

    /// Click's `reset`: counts and measurements from zero.
    fn reset(&mut self) {
        self.count = 0;
        self.first_ns = None;
        self.last_ns = None;
        self.incr = 0;
        self.sent_all_fins = false;
        if let Some((sport, dport)) = self.fixed_ports
            && self.interval > 0
        {
            self.set_ports(0, sport, dport);
        }
    }

    /// Packets the rate allows now, if a rate is set.
    fn due_packets(&mut self) -> Option<u64> {
        if self.interval_ns == 0 {
            return None;
        }
        let now = self.clock.monotonic_ns();
        let next = *self.next_ns.get_or_insert(now);
        Some(match now.checked_sub(next) {
            None => 0,
            Some(elapsed) => elapsed / self.interval_ns + 1,
        })
    }

    /// The template of the next TCP packet (flow × 3 + kind), or `None`
    /// when the limit is reached and every flow has had its FIN.
    fn next_tcp(&mut self) -> Option<usize> {
        if self.limit.is_some_and(|l| self.count >= l) {
            let open = self.sent.iter().position(|&s| s != self.flowsize);
            return match open {
                Some(i) => {
                    self.sent[i] = self.flowsize;
                    Some(i * 3 + 2)
                }
                None => {
                    self.sent_all_fins = true;
                    None
                }
            };
        }
        let i = self.next_flow();
        let k = match self.sent[i] {
            1 => 0,
            n if n == self.flowsize => 2,
            _ => 1,
        };
        Some(i * 3 + k)
    }

    /// Picks a flow at random and counts a packet for it, changing its
    /// ports first if it has sent FLOWSIZE.
    #[inline]
    fn next_flow(&mut self) -> usize {
        let n = self.sent.len();
        let i = if n == 1 {
            0
        } else {
            self.random_below(n as u64) as usize
        };
        if self.sent[i] == self.flowsize {
            let (sport, dport) = self.random_ports();
            self.set_ports(i, sport, dport);
            self.sent[i] = 0;
        }
        self.sent[i] += 1;
        i
    }

    /// Fills `p` from template `t`.
    #[inline]
    fn fill(&self, p: &mut Packet, t: usize) {
        let h = self.hdr_len;
        // Only bytes elements wrote since this source last filled the
        // buffer are copied back; the headers are then written in full.
        // The frame's length was checked against MAX_PACKET_LEN.
        let _ = p.refill(self.tag, &self.frame);
        p.data_prefix_mut(h)
            .copy_from_slice(&self.headers[t * h..(t + 1) * h]);
        p.set_mac_header(0);
        p.set_network_header(ETHER_LEN, IP_LEN);
        p.anno_mut().set_dst_ip(self.dst.1);
    }

    /// Counts a packet made; every INTERVAL packets, the ports step on.
    fn counted(&mut self) {
        self.count += 1;
        if self.interval > 0 && self.count.is_multiple_of(u64::from(self.interval)) {
            self.step_ports();
        }
    }

    /// FastUDPSource's INTERVAL: both ports up by one.
    fn step_ports(&mut self) {
        if let Some((sport, dport)) = self.fixed_ports {
            self.incr = self.incr.wrapping_add(1);
            self.set_ports(
                0,
                sport.wrapping_add(self.incr),
                dport.wrapping_add(self.incr),
            );
        }
    }

    fn limit_reached(&self) -> bool {
        self.limit.is_some_and(|l| self.count >= l)
    }
}

impl Element for FastFlows {
    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        _cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        if !self.active || (self.limit_reached() && self.proto != Proto::Tcp) || self.sent_all_fins
        {
            return;
        }
        let mut n = max as u64;
        if self.proto != Proto::Tcp
            && let Some(limit) = self.limit
        {
            n = n.min(limit - self.count);
        }
        if let Some(due) = self.due_packets() {
            n = n.min(due);
        }
        if n == 0 {
            return;
        }
        if self.first_ns.is_none() {
            self.first_ns = Some(self.clock.monotonic_ns());
        }
        let made = match self.proto {
            Proto::Udp { .. } => {
                // Every packet is made: each is filled as its buffer is taken.
                into.alloc_with(n as usize, |p| {
                    let t = self.next_flow();
                    self.fill(p, t);
                    self.counted();
                });
                n as usize
            }
            Proto::Tcp => {
                let start = into.len();
                into.alloc(n as usize);
                let mut made = 0;
                for k in start..into.len() {
                    let Some(t) = self.next_tcp() else {
                        break;
                    };
                    if let Some(p) = into.as_mut_slice().get_mut(k) {
                        self.fill(p, t);
                    }
                    made += 1;
                    self.counted();
                }
                // Buffers taken for FINs that were not needed go back.
                while into.len() > start + made {
                    into.pop();
                }
                made
            }
        };
        if let Some(next) = self.next_ns.as_mut() {
            *next += made as u64 * self.interval_ns;
        }
        if self.last_ns.is_none() && self.limit_reached() {
            self.last_ns = Some(self.clock.monotonic_ns());
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "active" => Ok(self.active.to_string()),
            "length" if self.class == "FastUDPFlows" => Ok(self.len.to_string()),
            "rate" => Ok(match (self.first_ns, self.last_ns) {
                (Some(first), Some(last)) => {
                    // As Click, at least one tick (1 ms) between them.
                    let ns = u128::from(last.saturating_sub(first).max(1_000_000));
                    (u128::from(self.count) * 1_000_000_000 / ns).to_string()
                }
                _ => "0".into(),
            }),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => self.reset(),
            "active" => {
                self.active = crate::util::parse_active(value)?;
                if self.active {
                    self.reset();
                }
            }
            "limit" => {
                let limit: i64 = parse_handler_value(name, value)?;
                self.limit = u64::try_from(limit).ok();
            }
            "rate" => {
                let rate: u32 = parse_handler_value(name, value)?;
                if rate > MAX_RATE {
                    return Err(HandlerError::BadValue(format!(
                        "rate too large; max is {MAX_RATE}"
                    )));
                }
                self.set_rate(rate);
            }
            "length" if self.class == "FastUDPFlows" => {
                let len: u32 = parse_handler_value(name, value)?;
                if len as usize != self.len {
                    self.set_length(len).map_err(HandlerError::BadValue)?;
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
pub(crate) mod tests {
    use crate::standard::null::harness::Harness;

    /// Builds `config` on a manual clock and runs it for a while.
    pub(crate) fn run(config: &str) -> Harness {
        let h = Harness::new(config);
        let mut s = h.router.stepper();
        for _ in 0..300 {
            s.step();
        }
        drop(s);
        h
    }

    pub(crate) fn n(h: &Harness, handler: &str) -> u64 {
        h.read(handler).parse().unwrap()
    }

    /// The frames a `Collect` logged.
    pub(crate) fn frames(h: &Harness, collect: &str) -> Vec<Vec<u8>> {
        h.read(&format!("{collect}.log"))
            .lines()
            .map(|l| {
                let hex = l.split(' ').next().unwrap_or("");
                (0..hex.len() / 2)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                    .collect()
            })
            .collect()
    }

    /// Whether the IPv4 header and the transport checksum of an
    /// Ethernet/IPv4 frame without options are right.
    pub(crate) fn checksums_ok(f: &[u8]) -> bool {
        use packet::checksum::{checksum, finish, pseudo_header_v4, sum};
        let src = std::net::Ipv4Addr::new(f[26], f[27], f[28], f[29]);
        let dst = std::net::Ipv4Addr::new(f[30], f[31], f[32], f[33]);
        let proto = match f[23] {
            6 => packet::ip::IpProtocol::Tcp,
            _ => packet::ip::IpProtocol::Udp,
        };
        let pseudo = pseudo_header_v4(src, dst, proto, (f.len() - 34) as u16);
        checksum(&f[14..34]) == 0 && finish(&[pseudo, sum(&f[34..])]) == 0
    }

    #[test]
    fn packets_are_valid_udp_over_few_flows() {
        let h = run(
            "f :: FastUDPFlows(0, 1000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 1000000)
             -> Unqueue(BURST 64) -> t :: Tee;
             t[0] -> CheckIPHeader(14) -> ok :: Counter -> MarkIPHeader(14)
               -> rw :: IPRewriter(keep 0 0) -> Discard;
             t[1] -> c :: Collect;",
        );
        assert_eq!(n(&h, "f.count"), 1000);
        assert_eq!(n(&h, "ok.count"), 1000, "IP headers valid");
        assert_eq!(n(&h, "rw.table_size"), 5, "five flows");
        let frames = frames(&h, "c");
        assert_eq!(frames.len(), 1000);
        for f in &frames {
            assert_eq!(f.len(), 64);
            assert!(checksums_ok(f), "{f:02x?}");
            assert_eq!(
                f[..34],
                [
                    2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0, 0x45, 0, 0, 50, 0, 0, 0, 0, 250, 17,
                    f[24], f[25], 10, 0, 0, 1, 8, 8, 8, 8
                ]
            );
            assert_eq!(f[38..40], [0, 30], "UDP length");
            assert!(f[42..].iter().all(|&b| b == 0), "zero payload");
        }
    }

    #[test]
    fn flows_take_new_ports_after_flowsize() {
        // 1 flow of 10 packets, 100 packets: 10 flows, no checksums.
        let h = run(
            "f :: FastUDPFlows(0, 100, 60, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1, 10, false)
             -> Unqueue -> c :: Collect;",
        );
        let frames = frames(&h, "c");
        assert_eq!(frames.len(), 100);
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f[34..38], frames[i / 10 * 10][34..38], "packet {i}");
            assert_eq!(f[40..42], [0, 0], "no checksum");
        }
        let mut ports: Vec<_> = frames.iter().map(|f| f[34..38].to_vec()).collect();
        ports.dedup();
        assert_eq!(ports.len(), 10);
    }

    #[test]
    fn a_thousand_flows_for_a_nat() {
        let h = run(
            "f :: FastUDPFlows(0, 50000, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1000, 1000000)
             -> Unqueue(BURST 256) -> CheckIPHeader(14) -> MarkIPHeader(14)
             -> rw :: IPRewriter(pattern 192.0.2.1 1024-65535 - - 0 0) -> c :: Counter -> Discard;",
        );
        assert_eq!(n(&h, "c.count"), 50000);
        assert_eq!(n(&h, "rw.table_size"), 1000);
    }

    #[test]
    fn recycled_buffers_come_back_whole() {
        // Elements downstream write headers and payload; every packet
        // must still leave the source as the template.
        let h = run(
            "f :: FastUDPFlows(0, 3000, 600, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 3, 7)
             -> Unqueue(BURST 100) -> t :: Tee;
             t[1] -> Classifier(0/020000000002 22/fa 100/0000 598/0000) -> ok :: Counter -> Discard;
             t[0] -> StoreData(22, \\<01>) -> StoreData(100, \\<ffff>)
               -> EtherMirror -> Strip(14) -> StoreData(584, \\<ffff>) -> Discard;",
        );
        assert_eq!(n(&h, "f.count"), 3000);
        assert_eq!(n(&h, "ok.count"), 3000);
    }

    #[test]
    fn handlers_as_click() {
        let h = Harness::new(
            "f :: FastUDPFlows(0, 10, 100, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 2, 5)
             -> Unqueue -> l :: Classifier(16/0056, 16/002e);
             l[0] -> c100 :: Counter -> Discard; l[1] -> c60 :: Counter -> Discard;",
        );
        let mut s = h.router.stepper();
        let mut steps = |k| {
            for _ in 0..k {
                s.step();
            }
        };
        steps(20);
        assert_eq!(n(&h, "f.count"), 10);
        assert_eq!(h.read("f.length"), "100");
        h.write("f.limit", "15").unwrap();
        steps(20);
        assert_eq!(n(&h, "f.count"), 15);
        h.write("f.length", "20").unwrap();
        assert_eq!(h.read("f.length"), "60", "at least 60");
        assert_eq!(n(&h, "f.count"), 0, "new flows count from zero");
        steps(20);
        assert_eq!(n(&h, "c100.count"), 15);
        assert_eq!(n(&h, "c60.count"), 15);
        h.write("f.active", "false").unwrap();
        h.write("f.limit", "-1").unwrap();
        steps(5);
        assert_eq!(n(&h, "f.count"), 15, "inactive");
        h.write("f.active", "true").unwrap();
        assert_eq!(n(&h, "f.count"), 0, "activating resets the count");
        assert!(h.write("f.rate", "2000000000").is_err());
        assert!(h.write("f.limit", "x").is_err());
        h.write("f.reset", "").unwrap();
    }

    #[test]
    fn rate_paces_packets_and_is_measured() {
        let h = Harness::new(
            "f :: FastUDPFlows(1000, 21, 60, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 1, 10)
             -> Unqueue -> Discard;",
        );
        let mut s = h.router.stepper();
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(n(&h, "f.count"), 1);
        assert_eq!(h.read("f.rate"), "0", "not measured before LIMIT");
        h.clock.advance(10_000_000);
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(n(&h, "f.count"), 11, "1,000 a second");
        h.clock.advance(10_000_000);
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(n(&h, "f.count"), 21);
        assert_eq!(h.read("f.rate"), "1050", "21 packets in 20 ms");
        h.write("f.rate", "0").unwrap();
        h.write("f.limit", "1000").unwrap();
        for _ in 0..10 {
            s.step();
        }
        assert_eq!(n(&h, "f.count"), 1000, "unpaced");
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 0, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 2000000, 10",
            "0, 10, 20000, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.300, 5, 10",
            "0, 10, 64, 2:0:0:0:0, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "-1, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "0, x, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10, maybe",
            "0, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10, true, true, 3",
            "2000000000, 10, 64, 2:0:0:0:0:1, 10.0.0.1, 2:0:0:0:0:2, 8.8.8.8, 5, 10",
        ] {
            let text = format!("FastUDPFlows({bad}) -> Unqueue -> Discard");
            assert!(Harness::try_new(&text).is_err(), "{bad}");
        }
    }
}
