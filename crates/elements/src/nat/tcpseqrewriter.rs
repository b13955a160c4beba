//! TCPSeqRewriter — randomises TCP initial sequence numbers by flow, and
//! translates the peer's acknowledgments back.
//!
//! ## Synopsis
//! `TCPSeqRewriter([DELTA n, SEED s, SACK bool, CAPACITY n])`
//!
//! ## Ports
//! 2 inputs, 2 outputs; push.
//!
//! ## Description
//! An ISN randomiser for a firewall: hosts behind it may pick guessable
//! initial sequence numbers, and the outside sees them shifted by a
//! random offset per connection. Input 0 takes the outbound direction,
//! input 1 the return direction; packets leave by the output of the
//! number of their input.
//!
//! A TCP packet on input 0 belongs to the flow of its 4-tuple (source
//! address and port, destination address and port). The first packet of
//! a flow (normally its SYN) picks the flow's offset Δ: DELTA if given,
//! else a random 32-bit number. Every packet of the flow then has Δ added
//! to its sequence number (mod 2^32).
//!
//! A TCP packet on input 1 whose reversed 4-tuple is a known flow is an
//! answer to it: Δ is subtracted from its acknowledgment number and, with
//! SACK true, from both edges of every block of its SACK options, so the
//! inside host sees acknowledgments in its own sequence space. Packets of
//! no known flow leave by output 1 unchanged.
//!
//! Other IP protocols, and later fragments (which carry no TCP header),
//! leave unchanged by the output of their input. The TCP checksum is
//! updated incrementally for every number changed.
//!
//! The table holds at most CAPACITY flows; a new flow beyond that evicts
//! the oldest (whose later packets then start a new flow with a new Δ, so
//! the connection breaks: size CAPACITY for the connections you expect).
//! After the table has grown to its working size no packet allocates.
//!
//! Malformed packets are dropped and counted, never forwarded half
//! translated: a packet with no network header annotation, an IPv4
//! header that is short or inconsistent, or a TCP header that is short or
//! whose data offset is below 5 or runs past the packet, is dropped with
//! reason `malformed`. A return packet of a known flow, with SACK true,
//! whose options cannot be parsed (a length below 2, an option running
//! past the header, a SACK option not 2 + 8n bytes) is dropped with
//! reason `bad_options`: a SACK block it may hide could not be
//! translated. Outbound packets and return packets with SACK false never
//! read the options.
//!
//! ## Arguments
//! - `DELTA` (unsigned 32-bit integer): every flow's offset; default a
//!   random one per flow.
//! - `SEED` (unsigned 64-bit integer): seeds the generator of random
//!   offsets, for repeatable runs; default a seed from the operating
//!   system's randomness. The generator (SplitMix64) is fast, not
//!   cryptographic.
//! - `SACK` (boolean, default true): translate SACK blocks on input 1.
//! - `CAPACITY` (integer, at least 1, default 65536): most flows kept.
//!
//! ## Handlers
//! - `table` (read): one line per flow, oldest first:
//!   `(SADDR, SPORT, DADDR, DPORT) delta Δ`, the tuple as on input 0.
//! - `count` (read): flows in the table.
//! - `clear` (write): forgets every flow.
//!
//! ## Differences from Click
//! - Not in Click: an element of Switchyard's own. Its symbolic model
//!   lets the verifier check that connections through it still open for
//!   every Δ, and catch a return path that skips it.
//!
//! ## Example
//! ```text
//! isn :: TCPSeqRewriter(SEED 7);
//! FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]isn;
//! FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]isn;
//! isn[0] -> Unstrip(14) -> ToDevice(eth1);
//! isn[1] -> Unstrip(14) -> ToDevice(eth0);
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Output,
};
use packet::tcp::{TcpOption, TcpPacket, kind};
use packet::{Packet, PacketBatch};

use super::flow::{FlowHashState, FlowKey, MapKey};

pub const SPEC: ElementSpec = ElementSpec {
    class: "TCPSeqRewriter",
    ports: "2/2",
    processing: "h/h",
    source: include_str!("tcpseqrewriter.rs"),
    drop_reasons: &["malformed", "bad_options"],
    handlers: &[
        HandlerSpec::read(
            "table",
            "one line per flow, oldest first: the tuple and its offset",
        ),
        HandlerSpec::read("count", "flows in the table"),
        HandlerSpec::write("clear", "forgets every flow"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const MALFORMED: DropReason = DropReason(0);
const BAD_OPTIONS: DropReason = DropReason(1);

const DEFAULT_CAPACITY: usize = 65536;

/// Flows in order of arrival, in a ring so that evicting the oldest is
/// one overwrite; the index maps a tuple to its place in the ring.
struct Table {
    index: HashMap<MapKey, u32, FlowHashState>,
    ring: Vec<(FlowKey, u32)>,
    /// The oldest flow's place once the ring is full; 0 before.
    oldest: usize,
    capacity: usize,
}

fn map_key(key: FlowKey) -> MapKey {
    MapKey { map: 0, key }
}

impl Table {
    fn new(capacity: usize) -> Table {
        Table {
            index: HashMap::with_hasher(FlowHashState::random()),
            ring: Vec::new(),
            oldest: 0,
            capacity,
        }
    }

    fn get(&self, key: FlowKey) -> Option<u32> {
        let at = *self.index.get(&map_key(key))?;
        self.ring.get(at as usize).map(|e| e.1)
    }

    fn insert(&mut self, key: FlowKey, delta: u32) {
        if self.ring.len() < self.capacity {
            self.index.insert(map_key(key), self.ring.len() as u32);
            self.ring.push((key, delta));
            return;
        }
        let at = self.oldest;
        let Some(slot) = self.ring.get_mut(at) else {
            return;
        };
        if at == 0 && self.index.capacity() < 2 * self.capacity {
            // Room for twice the flows lets the index reuse the places
            // of removed keys by rehashing in place, never by growing:
            // one allocation when the table first fills, none after.
            self.index.reserve(self.capacity);
        }
        self.index.remove(&map_key(slot.0));
        *slot = (key, delta);
        self.index.insert(map_key(key), at as u32);
        self.oldest = (at + 1) % self.capacity;
    }

    fn clear(&mut self) {
        // Emptied, not dropped: the allocation is the warm-up's.
        self.index.clear();
        self.ring.clear();
        self.oldest = 0;
    }

    fn oldest_first(&self) -> impl Iterator<Item = &(FlowKey, u32)> {
        let (newer, older) = self.ring.split_at(self.oldest);
        older.iter().chain(newer)
    }
}

/// SplitMix64: one add and two multiplies per number.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

pub struct TCPSeqRewriter {
    fixed_delta: Option<u32>,
    rng: SplitMix,
    sack: bool,
    table: Table,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Box::new(configure(args)?))
}

/// The arguments, parsed once for the element and its symbolic model.
pub(super) struct Config {
    pub delta: Option<u32>,
    pub seed: Option<u64>,
    pub sack: bool,
    pub capacity: usize,
}

pub(super) fn parse_config(args: &mut Args) -> Result<Config, ConfigError> {
    let delta = args.read::<u32>("DELTA")?;
    let seed = args.read::<u64>("SEED")?;
    let sack = args.read::<bool>("SACK")?.unwrap_or(true);
    let capacity = args.read::<usize>("CAPACITY")?.unwrap_or(DEFAULT_CAPACITY);
    if capacity == 0 || capacity > u32::MAX as usize {
        return Err(ConfigError::msg(format!(
            "CAPACITY {capacity}: expected 1 to {}",
            u32::MAX
        )));
    }
    Ok(Config {
        delta,
        seed,
        sack,
        capacity,
    })
}

fn configure(args: &mut Args) -> Result<TCPSeqRewriter, ConfigError> {
    let c = parse_config(args)?;
    // Offsets anyone could compute from the configuration would hide
    // nothing, so without SEED the seed is the operating system's.
    let seed = c.seed.unwrap_or_else(|| {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    Ok(TCPSeqRewriter {
        fixed_delta: c.delta,
        rng: SplitMix(seed),
        sack: c.sack,
        table: Table::new(c.capacity),
    })
}

/// Where a TCP segment lies in a packet's network-header bytes.
struct Segment {
    /// The IPv4 header's length: the TCP header starts here.
    at: usize,
    /// The TCP header's length.
    header_len: usize,
    key: FlowKey,
}

/// What a packet is to this element.
enum Kind {
    Tcp(Segment),
    /// Not TCP, or a later fragment: passes unchanged.
    Other,
    Malformed,
}

fn classify(ip: &[u8]) -> Kind {
    let Some(fixed) = ip.get(..20) else {
        return Kind::Malformed;
    };
    let hl = usize::from(fixed[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
    if fixed[0] >> 4 != 4 || hl < 20 || total < hl {
        return Kind::Malformed;
    }
    let later_fragment = u16::from_be_bytes([fixed[6], fixed[7]]) & 0x1fff != 0;
    if fixed[9] != 6 || later_fragment {
        return Kind::Other;
    }
    // Link-layer padding after the datagram is not part of the segment.
    let end = total.min(ip.len());
    let Some(segment) = ip.get(hl..end) else {
        return Kind::Malformed;
    };
    let Ok(tcp) = TcpPacket::new_checked(segment) else {
        return Kind::Malformed;
    };
    let addr =
        |at: usize| u32::from_be_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]]);
    Kind::Tcp(Segment {
        at: hl,
        header_len: tcp.header_len(),
        key: FlowKey::new(addr(12), tcp.src_port(), addr(16), tcp.dst_port()),
    })
}

/// Subtracts `delta` from both edges of every SACK block in `options`
/// (already checked to parse), keeping the checksum right.
fn translate_sack(tcp: &mut TcpPacket<&mut [u8]>, delta: u32) {
    let mut csum = tcp.checksum();
    let options = tcp.options_mut();
    let mut pos = 0;
    while let Some(&k) = options.get(pos) {
        match k {
            kind::END_OF_LIST => break,
            kind::NO_OPERATION => {
                pos += 1;
                continue;
            }
            _ => {}
        }
        let len = usize::from(options.get(pos + 1).copied().unwrap_or(0));
        if len < 2 {
            break;
        }
        if k == kind::SACK
            && let Some(edges) = options.get_mut(pos + 2..pos + len)
        {
            for edge in edges.chunks_exact_mut(4) {
                let old = u32::from_be_bytes([edge[0], edge[1], edge[2], edge[3]]);
                let new = old.wrapping_sub(delta);
                edge.copy_from_slice(&new.to_be_bytes());
                csum = packet::checksum::update_u32(csum, old, new);
            }
        }
        pos += len;
    }
    tcp.set_checksum(csum);
}

impl TCPSeqRewriter {
    fn new_delta(&mut self) -> u32 {
        match self.fixed_delta {
            Some(d) => d,
            None => (self.rng.next() >> 32) as u32,
        }
    }

    #[inline]
    fn process(&mut self, port: usize, mut p: Packet, out: &mut Output) {
        let seg = match p.network_header().map(classify) {
            Some(Kind::Tcp(seg)) => seg,
            Some(Kind::Other) => {
                out.emit(port, p);
                return;
            }
            Some(Kind::Malformed) | None => {
                out.drop(p, MALFORMED);
                return;
            }
        };
        let delta = if port == 0 {
            match self.table.get(seg.key) {
                Some(d) => d,
                None => {
                    let d = self.new_delta();
                    self.table.insert(seg.key, d);
                    d
                }
            }
        } else {
            match self.table.get(seg.key.reverse()) {
                Some(d) => d,
                None => {
                    out.emit(1, p);
                    return;
                }
            }
        };
        let end = seg.at + seg.header_len;
        let Some(header) = p
            .network_header_prefix_mut(end)
            .and_then(|ip| ip.get_mut(seg.at..end))
        else {
            out.drop(p, MALFORMED);
            return;
        };
        let mut tcp = TcpPacket::new_unchecked(header);
        if port == 0 {
            let seq = tcp.seq_number().wrapping_add(delta);
            tcp.set_seq_number_incremental(seq);
            out.emit(0, p);
            return;
        }
        if self.sack {
            if tcp.options_iter().any(|o| o.is_err()) {
                out.drop(p, BAD_OPTIONS);
                return;
            }
            if tcp
                .options_iter()
                .any(|o| matches!(o, Ok(TcpOption::Sack(_))))
            {
                translate_sack(&mut tcp, delta);
            }
        }
        let ack = tcp.ack_number().wrapping_sub(delta);
        tcp.set_ack_number_incremental(ack);
        out.emit(1, p);
    }

    fn table_text(&self) -> String {
        let mut s = String::new();
        for (key, delta) in self.table.oldest_first() {
            key.unparse(&mut s);
            let _ = writeln!(s, " delta {delta}");
        }
        s
    }
}

impl Element for TCPSeqRewriter {
    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            self.process(port, p, out);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "table" => Ok(self.table_text()),
            "count" => Ok(self.table.ring.len().to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "clear" => {
                self.table.clear();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [192, 0, 2, 10];

    /// An IPv4/TCP packet with `options` (padded to a multiple of four)
    /// and `payload`, both checksums valid, network header marked.
    fn tcp(
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        seq: u32,
        ack: u32,
        options: &[u8],
        payload: &[u8],
    ) -> Vec<u8> {
        let mut opts = options.to_vec();
        while !opts.len().is_multiple_of(4) {
            opts.push(kind::NO_OPERATION);
        }
        let thl = 20 + opts.len();
        let total = 20 + thl + payload.len();
        let mut p = vec![0u8; total];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[8] = 64;
        p[9] = 6;
        p[12..16].copy_from_slice(&src.0);
        p[16..20].copy_from_slice(&dst.0);
        let c = packet::checksum::checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        let t = &mut p[20..];
        t[0..2].copy_from_slice(&src.1.to_be_bytes());
        t[2..4].copy_from_slice(&dst.1.to_be_bytes());
        t[4..8].copy_from_slice(&seq.to_be_bytes());
        t[8..12].copy_from_slice(&ack.to_be_bytes());
        t[12] = ((thl / 4) as u8) << 4;
        t[13] = 0x10;
        t[14..16].copy_from_slice(&65535u16.to_be_bytes());
        t[20..thl].copy_from_slice(&opts);
        t[thl..].copy_from_slice(payload);
        fill_tcp_checksum(&mut p);
        p
    }

    fn fill_tcp_checksum(p: &mut [u8]) {
        let (ip, t) = p.split_at_mut(20);
        let mut view = TcpPacket::new_unchecked(t);
        view.fill_checksum_v4(
            std::net::Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
            std::net::Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
        );
    }

    fn tcp_checksum_ok(p: &[u8]) -> bool {
        let ip = &p[..20];
        TcpPacket::new_unchecked(&p[20..]).verify_checksum_v4(
            std::net::Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
            std::net::Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
        )
    }

    fn seq_of(p: &[u8]) -> u32 {
        u32::from_be_bytes([p[24], p[25], p[26], p[27]])
    }

    fn ack_of(p: &[u8]) -> u32 {
        u32::from_be_bytes([p[28], p[29], p[30], p[31]])
    }

    fn sack_option(blocks: &[(u32, u32)]) -> Vec<u8> {
        let mut o = vec![kind::NO_OPERATION, kind::NO_OPERATION, kind::SACK];
        o.push((2 + 8 * blocks.len()) as u8);
        for (l, r) in blocks {
            o.extend_from_slice(&l.to_be_bytes());
            o.extend_from_slice(&r.to_be_bytes());
        }
        o
    }

    fn sack_blocks(p: &[u8]) -> Vec<(u32, u32)> {
        let view = TcpPacket::new_checked(&p[20..]).unwrap();
        let mut v = Vec::new();
        for o in view.options_iter() {
            if let Ok(TcpOption::Sack(b)) = o {
                v.extend(b);
            }
        }
        v
    }

    fn element(config: &str) -> TCPSeqRewriter {
        let mut args = Args::new(config);
        let e = configure(&mut args).unwrap();
        args.complete().unwrap();
        e
    }

    /// Pushes `data` into input `port`: the packet's bytes and the output
    /// it left by, or `None` when it was dropped.
    fn push(e: &mut TCPSeqRewriter, port: usize, data: &[u8]) -> Option<(usize, Vec<u8>)> {
        let mut p = Packet::from_slice(data).unwrap();
        p.set_network_header(0, 20);
        let mut batch = PacketBatch::new();
        batch.push(p);
        let mut out = Output::new(2, SPEC.drop_reasons.len());
        e.push(port, &mut batch, &mut out);
        (0..2).find_map(|i| {
            let b = out.batch(i)?;
            b.pop().map(|p| (i, p.data().to_vec()))
        })
    }

    #[test]
    fn seq_out_and_ack_back_with_checksums() {
        let mut e = element("DELTA 1000");
        let syn = tcp((CLIENT, 40000), (SERVER, 80), 5, 0, &[], &[]);
        let (o, out) = push(&mut e, 0, &syn).unwrap();
        assert_eq!((o, seq_of(&out), ack_of(&out)), (0, 1005, 0));
        assert!(tcp_checksum_ok(&out));
        let reply = tcp((SERVER, 80), (CLIENT, 40000), 77, 1006, &[], b"hello");
        let (o, back) = push(&mut e, 1, &reply).unwrap();
        assert_eq!((o, seq_of(&back), ack_of(&back)), (1, 77, 6));
        assert!(tcp_checksum_ok(&back));
        assert_eq!(
            e.read_handler("table").unwrap(),
            "(10.0.0.1, 40000, 192.0.2.10, 80) delta 1000\n"
        );
    }

    #[test]
    fn offsets_wrap_around() {
        let mut e = element("DELTA 10");
        let syn = tcp((CLIENT, 1), (SERVER, 2), u32::MAX - 3, 0, &[], &[]);
        let (_, out) = push(&mut e, 0, &syn).unwrap();
        assert_eq!(seq_of(&out), 6);
        assert!(tcp_checksum_ok(&out));
        let reply = tcp((SERVER, 2), (CLIENT, 1), 0, 7, &[], &[]);
        let (_, back) = push(&mut e, 1, &reply).unwrap();
        assert_eq!(ack_of(&back), u32::MAX - 2);
        assert!(tcp_checksum_ok(&back));
    }

    #[test]
    fn sack_edges_follow_the_ack() {
        let mut e = element("DELTA 0x10000");
        push(
            &mut e,
            0,
            &tcp((CLIENT, 40000), (SERVER, 80), 1, 0, &[], &[]),
        )
        .unwrap();
        let blocks = [(0x1_0100, 0x1_0200), (0x1_0300, 0x1_0400)];
        let mut opts = vec![kind::MAX_SEG_SIZE, 4, 5, 0xb4];
        opts.extend(sack_option(&blocks));
        let reply = tcp((SERVER, 80), (CLIENT, 40000), 9, 0x1_0002, &opts, b"x");
        let (_, back) = push(&mut e, 1, &reply).unwrap();
        assert_eq!(ack_of(&back), 2);
        assert_eq!(sack_blocks(&back), vec![(0x100, 0x200), (0x300, 0x400)]);
        assert!(tcp_checksum_ok(&back));
        // SACK false leaves the blocks as they are.
        let mut e = element("DELTA 0x10000, SACK false");
        push(
            &mut e,
            0,
            &tcp((CLIENT, 40000), (SERVER, 80), 1, 0, &[], &[]),
        )
        .unwrap();
        let (_, back) = push(&mut e, 1, &reply).unwrap();
        assert_eq!(ack_of(&back), 2);
        assert_eq!(sack_blocks(&back), blocks.to_vec());
        assert!(tcp_checksum_ok(&back));
    }

    #[test]
    fn outbound_sack_and_unknown_replies_are_untouched() {
        let mut e = element("DELTA 50");
        // The client's own SACK blocks are in the server's sequence space.
        let opts = sack_option(&[(100, 200)]);
        let data = tcp((CLIENT, 40000), (SERVER, 80), 1, 100, &opts, &[]);
        let (_, out) = push(&mut e, 0, &data).unwrap();
        assert_eq!((seq_of(&out), ack_of(&out)), (51, 100));
        assert_eq!(sack_blocks(&out), vec![(100, 200)]);
        let stranger = tcp((SERVER, 80), (CLIENT, 40001), 9, 1000, &opts, &[]);
        assert_eq!(push(&mut e, 1, &stranger), Some((1, stranger.clone())));
        // A packet of the flow arriving on input 1 the wrong way round is
        // not an answer either.
        assert_eq!(push(&mut e, 1, &data), Some((1, data.clone())));
    }

    #[test]
    fn random_offsets_are_per_flow_and_seeded() {
        let run = |seed: u64| {
            let mut e = element(&format!("SEED {seed}"));
            let mut seqs = Vec::new();
            for port in [1000u16, 1001, 1000] {
                let p = tcp((CLIENT, port), (SERVER, 80), 0, 0, &[], &[]);
                let (_, out) = push(&mut e, 0, &p).unwrap();
                assert!(tcp_checksum_ok(&out));
                seqs.push(seq_of(&out));
            }
            seqs
        };
        let a = run(7);
        assert_eq!(a[0], a[2], "one flow, one offset");
        assert_ne!(a[0], a[1], "two flows, two offsets");
        assert_eq!(run(7), a);
        assert_ne!(run(8), a);
    }

    #[test]
    fn capacity_evicts_the_oldest_and_clear_empties() {
        let mut e = element("DELTA 1, CAPACITY 2");
        for port in [1u16, 2, 3] {
            push(
                &mut e,
                0,
                &tcp((CLIENT, port), (SERVER, 80), 0, 0, &[], &[]),
            )
            .unwrap();
        }
        assert_eq!(e.read_handler("count").unwrap(), "2");
        assert_eq!(
            e.read_handler("table").unwrap(),
            "(10.0.0.1, 2, 192.0.2.10, 80) delta 1\n(10.0.0.1, 3, 192.0.2.10, 80) delta 1\n"
        );
        let reply = tcp((SERVER, 80), (CLIENT, 1), 0, 10, &[], &[]);
        let (_, back) = push(&mut e, 1, &reply).unwrap();
        assert_eq!(ack_of(&back), 10, "flow 1 was evicted");
        e.write_handler("clear", "").unwrap();
        assert_eq!(e.read_handler("count").unwrap(), "0");
        assert_eq!(e.read_handler("table").unwrap(), "");
    }

    #[test]
    fn other_protocols_pass_by_their_input() {
        let mut e = element("DELTA 5");
        let mut udp = tcp((CLIENT, 1), (SERVER, 2), 0, 0, &[], &[]);
        udp[9] = 17;
        assert_eq!(push(&mut e, 0, &udp), Some((0, udp.clone())));
        assert_eq!(push(&mut e, 1, &udp), Some((1, udp.clone())));
        let mut later = tcp((CLIENT, 1), (SERVER, 2), 0, 0, &[], &[]);
        later[6..8].copy_from_slice(&0x0010u16.to_be_bytes());
        assert_eq!(push(&mut e, 0, &later), Some((0, later.clone())));
        assert_eq!(e.read_handler("count").unwrap(), "0");
    }

    #[test]
    fn malformed_packets_are_dropped() {
        let mut e = element("DELTA 5");
        let good = tcp((CLIENT, 1), (SERVER, 2), 0, 0, &[], &[]);
        let mut short_ip = good.clone();
        short_ip.truncate(12);
        let mut short_tcp = good.clone();
        short_tcp.truncate(30);
        short_tcp[2..4].copy_from_slice(&30u16.to_be_bytes());
        let mut low_offset = good.clone();
        low_offset[32] = 0x40;
        let mut past_end = good.clone();
        past_end[32] = 0xf0;
        let mut bad_ihl = good.clone();
        bad_ihl[0] = 0x44;
        let mut v6 = good.clone();
        v6[0] = 0x65;
        for (what, p) in [
            ("short IP header", short_ip),
            ("short TCP header", short_tcp),
            ("data offset 4", low_offset),
            ("data offset past the packet", past_end),
            ("IHL 4", bad_ihl),
            ("version 6", v6),
        ] {
            assert_eq!(push(&mut e, 0, &p), None, "{what}");
            assert_eq!(push(&mut e, 1, &p), None, "{what}");
        }
        assert_eq!(e.read_handler("count").unwrap(), "0");
    }

    #[test]
    fn unparsable_options_drop_only_translated_replies() {
        let mut e = element("DELTA 5");
        push(&mut e, 0, &tcp((CLIENT, 1), (SERVER, 2), 0, 0, &[], &[])).unwrap();
        for opts in [
            vec![kind::SACK, 7, 0, 0, 0, 0, 0],
            vec![kind::MAX_SEG_SIZE, 9, 0, 0],
            vec![kind::TIMESTAMPS, 1],
        ] {
            let reply = tcp((SERVER, 2), (CLIENT, 1), 0, 9, &opts, &[]);
            assert_eq!(push(&mut e, 1, &reply), None, "{opts:?}");
            let out = tcp((CLIENT, 1), (SERVER, 2), 0, 0, &opts, &[]);
            assert_eq!(push(&mut e, 0, &out).map(|x| seq_of(&x.1)), Some(5));
        }
        let mut e = element("DELTA 5, SACK false");
        push(&mut e, 0, &tcp((CLIENT, 1), (SERVER, 2), 0, 0, &[], &[])).unwrap();
        let reply = tcp((SERVER, 2), (CLIENT, 1), 0, 9, &[kind::SACK, 7, 0, 0], &[]);
        assert_eq!(push(&mut e, 1, &reply).map(|x| ack_of(&x.1)), Some(4));
    }

    #[test]
    fn configuration_errors() {
        for bad in [
            "CAPACITY 0",
            "DELTA -1",
            "DELTA 4294967296",
            "SACK maybe",
            "SEED x",
        ] {
            let mut args = Args::new(bad);
            assert!(configure(&mut args).is_err(), "{bad}");
        }
    }

    /// What the symbolic model makes of a flow that leaves through input
    /// 0, is mirrored (addresses and ports swapped, numbers kept, as
    /// IPMirror's model does) and comes back through input 1: the
    /// sequence number that left, and the ack and first SACK edge that
    /// came back, as expressions with the variables' names.
    fn symbolic(config: &str) -> (verify::Vars, [verify::Expr; 3]) {
        use verify::{Cx, Field, Flow, IntervalSet, ModelArgs, Vars};
        let mut vars = Vars::new();
        let mut flow = Flow::ethernet(&mut vars);
        flow.net = Some(1);
        let proto = flow.ip_field(Field::IpProto).unwrap();
        flow.constrain(&vars, &proto, &IntervalSet::point(6))
            .unwrap();
        let make = crate::symbolic::models().get("TCPSeqRewriter").unwrap();
        let model = make(&mut ModelArgs {
            class: "TCPSeqRewriter",
            name: "isn",
            config,
            ninputs: 2,
            noutputs: 2,
            vars: &mut vars,
            elements: &[],
        })
        .unwrap();
        let mut cx = Cx::new(&mut vars, "fw/isn");
        model.apply(0, flow, &mut cx);
        let [(0, mut f)] = <[_; 1]>::try_from(cx.out).unwrap() else {
            panic!("one flow out of output 0");
        };
        let seq = f.store.resolve(&f.ip_field(Field::TcpSeq).unwrap());
        for (a, b) in [
            (Field::IpSrc, Field::IpDst),
            (Field::SrcPort, Field::DstPort),
        ] {
            let (x, y) = (f.ip_field(a).unwrap(), f.ip_field(b).unwrap());
            f.set_ip_field(a, y).unwrap();
            f.set_ip_field(b, x).unwrap();
        }
        let mut cx = Cx::new(&mut vars, "fw/isn");
        model.apply(1, f, &mut cx);
        let [(1, g)] = <[_; 1]>::try_from(cx.out).unwrap() else {
            panic!("one flow out of output 1");
        };
        let ack = g.store.resolve(&g.ip_field(Field::TcpAck).unwrap());
        let sack = g.store.resolve(&g.ip_field(Field::TcpSack).unwrap());
        (vars, [seq, ack, sack])
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The model and the element agree on every number they change.
        #[test]
        fn model_agrees_with_element(
            seq: u32,
            ack: u32,
            left: u32,
            fixed: Option<u32>,
            seed: u64,
            sack: bool,
        ) {
            let config = match fixed {
                Some(d) => format!("DELTA {d}, SACK {sack}"),
                None => format!("SEED {seed}, SACK {sack}"),
            };
            let mut e = element(&config);
            let syn = tcp((CLIENT, 40000), (SERVER, 80), seq, 0, &[], &[]);
            let (_, out) = push(&mut e, 0, &syn).unwrap();
            let table = e.read_handler("table").unwrap();
            let delta: u32 = table.trim().rsplit(' ').next().unwrap().parse().unwrap();
            let opts = sack_option(&[(left, left.wrapping_add(100))]);
            let reply = tcp((SERVER, 80), (CLIENT, 40000), 0, ack, &opts, &[]);
            let (_, back) = push(&mut e, 1, &reply).unwrap();

            let (vars, [s_seq, s_ack, s_sack]) = symbolic(&config);
            let value = |v: verify::Var| {
                let name = &vars.info(v).name;
                u64::from(match name.as_str() {
                    "tcp.seq" => seq,
                    "tcp.ack" => ack,
                    "tcp.sack" => left,
                    _ if name.ends_with(".delta") => delta,
                    _ => panic!("unexpected variable {name}"),
                })
            };
            proptest::prop_assert_eq!(s_seq.eval(&value), u64::from(seq_of(&out)));
            proptest::prop_assert_eq!(s_ack.eval(&value), u64::from(ack_of(&back)));
            proptest::prop_assert_eq!(s_sack.eval(&value), u64::from(sack_blocks(&back)[0].0));
        }
    }
}
