//! ICMPError — makes ICMP error messages about the packets it receives.
//!
//! ## Synopsis
//! `ICMPError(SRC, TYPE [, CODE, BADADDRS, keywords MTU, PMTU, SET_FIX_ANNO])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! For each IP packet (network header annotation set) it makes an error
//! message in the packet's place: an IP header from SRC to the packet's
//! source (TTL 200, TOS 0, an IP ID counted across all the router's
//! ICMPError elements, as Click counts it across the process), an ICMP
//! header of TYPE and CODE, and as much of the offending packet, from its
//! IP header to the end of its data, as fits in MTU bytes (576 by default,
//! RFC 1812 section 4.3.2.3). The error's destination-IP annotation is its
//! destination, its timestamp the current time, and (unless SET_FIX_ANNO
//! is false) its fix-IP-source annotation is set, so `FixIPSrc` can give
//! it the address of the interface it leaves by.
//!
//! As RFC 1812 section 4.3.2.7 requires, no error is made (the packet is
//! dropped, reason `no_error`) about an ICMP error message, a fragment
//! other than the first, a packet sent to a broadcast or multicast
//! address (by its header, its packet-type annotation, or BADADDRS), or a
//! packet whose source is not a valid unicast address (net 0, 127/8,
//! class E, broadcast, multicast, or BADADDRS).
//!
//! A packet carrying a loose or strict source route gets no redirect
//! (RFC 1812 section 5.2.7.2); other errors about it carry the route
//! travelled so far, reversed, in their IP header (section 4.3.2.6),
//! unless a parameter problem points into the route itself.
//!
//! TYPE is an ICMP error type, as a number or a name: `unreachable`,
//! `sourcequench`, `redirect`, `timeexceeded`, `parameterproblem`. CODE
//! is a number or a name of that type's codes: for `unreachable` `net`,
//! `host`, `protocol`, `port`, `needfrag`, `srcroutefail`, `netunknown`,
//! `hostunknown`, `isolated`, `netprohibited`, `hostprohibited`, `tosnet`,
//! `toshost`, `filterprohibited`, `hostprecedence`, `precedencecutoff`;
//! for `redirect` `net`, `host`, `tosnet`, `toshost`; for `timeexceeded`
//! `transit`, `reassembly`; for `parameterproblem` `erroratptr` (the
//! pointer comes from the parameter-problem annotation, set by
//! `IPGWOptions`), `missingopt`, `length`. A redirect names the
//! destination-IP annotation as the better gateway; `unreachable
//! needfrag` reports PMTU as the next-hop MTU.
//!
//! Click does not limit the rate of errors itself, and neither does this
//! element: put a `RatedSplitter` (or `BandwidthRatedSplitter`) after it,
//! as Click's documentation suggests, to send at most so many a second.
//!
//! ## Arguments
//! - `SRC`: the source address of the errors.
//! - `TYPE`, `CODE` (default 0).
//! - `BADADDRS`: addresses (e.g. the subnets' broadcast addresses) whose
//!   packets are never answered, space separated.
//! - `MTU` (default 576): the largest error message.
//! - `PMTU` (default 0): the next-hop MTU reported by `unreachable
//!   needfrag`.
//! - `SET_FIX_ANNO` (default true): set the fix-IP-source annotation.
//!
//! ## Handlers
//! - `src`, `mtu`, `pmtu` (read/write): the arguments of those names.
//!
//! ## Differences from Click
//! - MTU must leave room for the headers and 8 bytes of the packet (at
//!   least 56); Click accepts smaller values and misbehaves.
//!
//! ## Example
//! ```text
//! dt :: DecIPTTL;
//! dt[1] -> ICMPError(10.0.0.1, timeexceeded) -> RatedSplitter(10) -> rt;
//! ```

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::PacketType;
use packet::anno::offset::{FIX_IP_SRC, ICMP_PARAMPROB};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ICMPError",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("icmperror.rs"),
    drop_reasons: &["no_error"],
    handlers: &[
        HandlerSpec::read_write("src", "source address of the errors"),
        HandlerSpec::read_write("mtu", "largest error message"),
        HandlerSpec::read_write("pmtu", "next-hop MTU for needfrag errors"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Click's ICMP type names (`NameInfo::T_ICMP_TYPE`); only the error types
/// are accepted.
const TYPES: &[(&str, u8)] = &[
    ("echo", 8),
    ("echo-reply", 0),
    ("inforeq", 15),
    ("inforeq-reply", 16),
    ("maskreq", 17),
    ("maskreq-reply", 18),
    ("parameterproblem", 12),
    ("redirect", 5),
    ("routeradvert", 9),
    ("routersolicit", 10),
    ("sourcequench", 4),
    ("timeexceeded", 11),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("unreachable", 3),
];

fn is_error_type(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

fn code_names(t: u8) -> &'static [(&'static str, u8)] {
    match t {
        3 => &[
            ("net", 0),
            ("host", 1),
            ("protocol", 2),
            ("port", 3),
            ("needfrag", 4),
            ("srcroutefail", 5),
            ("netunknown", 6),
            ("hostunknown", 7),
            ("isolated", 8),
            ("netprohibited", 9),
            ("hostprohibited", 10),
            ("tosnet", 11),
            ("toshost", 12),
            ("filterprohibited", 13),
            ("hostprecedence", 14),
            ("precedencecutoff", 15),
        ],
        5 => &[("net", 0), ("host", 1), ("tosnet", 2), ("toshost", 3)],
        11 => &[("transit", 0), ("reassembly", 1)],
        12 => &[("erroratptr", 0), ("missingopt", 1), ("length", 2)],
        _ => &[],
    }
}

fn number_or_name(text: &str, names: &[(&str, u8)]) -> Option<u8> {
    text.parse::<u8>()
        .ok()
        .or_else(|| names.iter().find(|(n, _)| *n == text).map(|&(_, v)| v))
}

/// Largest IP header: 60 bytes.
const MAX_IP_HEADER: usize = 60;

struct ICMPError {
    src: Ipv4Addr,
    kind: u8,
    code: u8,
    bad: Vec<Ipv4Addr>,
    mtu: usize,
    pmtu: u16,
    fix_anno: bool,
    /// The IP ID counter shared by the router's ICMPError elements.
    ids: Arc<AtomicU16>,
    /// The message being made (MTU bytes at most), reused.
    buf: Vec<u8>,
    clock: Arc<dyn engine::Clock>,
}

/// Name under which the shared IP ID counter is published.
const ID_COUNTER: &str = "#ICMPError-ip-id";

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut e = configure(args)?;
    e.clock = cx.clock.clone();
    e.ids = match cx.shared.lookup::<AtomicU16>(ID_COUNTER) {
        Some(ids) => ids,
        None => {
            let ids = Arc::new(AtomicU16::new(1));
            cx.shared.publish(ID_COUNTER, ids.clone());
            ids
        }
    };
    Ok(Simple::boxed(e))
}

fn parse_addrs(s: &str) -> Result<Vec<Ipv4Addr>, ConfigError> {
    s.split_ascii_whitespace()
        .map(|w| {
            <Ipv4Addr as ArgValue>::parse_arg(w)
                .map_err(|e| ConfigError::msg(format!("BADADDRS: {e}")))
        })
        .collect()
}

fn configure(args: &mut Args) -> Result<ICMPError, ConfigError> {
    let src = args.read_mp::<Ipv4Addr>("SRC")?;
    let kind = args.read_mp::<String>("TYPE")?;
    let code = args.read_p::<String>("CODE")?;
    let bad = match args.read_p::<String>("BADADDRS")? {
        Some(s) => parse_addrs(&s)?,
        None => Vec::new(),
    };
    let mtu = args.read::<u16>("MTU")?.unwrap_or(576);
    let pmtu = args.read::<u16>("PMTU")?.unwrap_or(0);
    let fix_anno = args.read::<bool>("SET_FIX_ANNO")?.unwrap_or(true);
    let kind = number_or_name(&kind, TYPES)
        .ok_or_else(|| ConfigError::msg(format!("TYPE: unknown ICMP type '{kind}'")))?;
    if !is_error_type(kind) {
        return Err(ConfigError::msg(format!(
            "ICMP type {kind} is not an error type"
        )));
    }
    let code = match code {
        Some(c) => number_or_name(&c, code_names(kind)).ok_or_else(|| {
            ConfigError::msg("argument 2 takes ICMP code (integer between 0 and 255)")
        })?,
        None => 0,
    };
    let mtu = usize::from(mtu);
    check_mtu(mtu).map_err(ConfigError::msg)?;
    Ok(ICMPError {
        src,
        kind,
        code,
        bad,
        mtu,
        pmtu,
        fix_anno,
        ids: Arc::new(AtomicU16::new(1)),
        buf: Vec::with_capacity(mtu),
        clock: Arc::new(engine::SystemClock::new()),
    })
}

fn check_mtu(mtu: usize) -> Result<(), String> {
    if mtu < MAX_IP_HEADER - 4 {
        return Err(format!("MTU {mtu} is too small for an ICMP error"));
    }
    Ok(())
}

/// The first loose or strict source route option whose pointer is sane
/// (Click's `valid_source_route`): its offset in the header.
fn source_route(h: &[u8], hl: usize) -> Option<usize> {
    let mut i = 20;
    while i < hl {
        match h[i] {
            1 => {
                i += 1;
                continue;
            }
            0 => return None,
            _ => {}
        }
        let len = usize::from(*h.get(i + 1)?);
        if len < 2 || i + len > hl {
            return None;
        }
        let ptr = usize::from(*h.get(i + 2).unwrap_or(&0));
        if matches!(h[i], 131 | 137) && ptr >= 4 && ptr.is_multiple_of(4) && ptr <= len + 1 {
            return Some(i);
        }
        i += len;
    }
    None
}

impl ICMPError {
    fn unicast(&self, a: Ipv4Addr) -> bool {
        !(a.is_broadcast() || a.is_multicast() || self.bad.contains(&a))
    }

    /// A source an error may be sent to (RFC 1812 sections 4.2.2.11, 5.3.7).
    fn valid_source(&self, a: Ipv4Addr) -> bool {
        let net = a.octets()[0];
        self.unicast(a) && net != 0 && net != 127 && net & 0xf0 != 0xf0
    }

    /// Makes the error message about `ip` (an IP header and what follows)
    /// in `self.buf`; false when no error may be sent.
    fn error_for(&mut self, ip: &[u8], anno: &packet::Annotations) -> bool {
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            return false;
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        if hl < 20 || ip.len() < hl {
            return false;
        }
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        if ip[9] == 1 && ip.get(hl..hl + 4).is_none_or(|t| is_error_type(t[0])) {
            return false;
        }
        let link_broadcast = matches!(
            anno.packet_type(),
            PacketType::Broadcast | PacketType::Multicast
        );
        let later_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff != 0;
        if !self.unicast(dst) || link_broadcast || !self.valid_source(src) || later_fragment {
            return false;
        }
        let pointer = anno.get::<1>(ICMP_PARAMPROB).map_or(0, |b| b[0]);
        let mut route = source_route(ip, hl);
        if let Some(at) = route {
            if self.kind == 5 {
                return false;
            }
            let ptr = usize::from(pointer);
            if self.kind == 12 && self.code == 0 && at <= ptr && ptr < at + usize::from(ip[at + 1])
            {
                route = None;
            }
        }
        // IP header, with the reversed source route if any.
        let e = &mut self.buf;
        e.clear();
        e.resize(20, 0);
        if let Some(at) = route {
            let sr = &ip[at..];
            let olen = usize::from(sr[2]) - 1;
            e.push(sr[0]);
            e.push(olen as u8);
            e.push(4);
            // The addresses travelled so far, most recent first.
            let mut oo = usize::from(sr[2]);
            while oo >= 8 {
                e.extend_from_slice(&sr[oo - 5..oo - 1]);
                oo -= 4;
            }
            e.push(0);
            e.truncate(20 + olen.div_ceil(4) * 4);
            e.resize(20 + olen.div_ceil(4) * 4, 0);
        }
        let iphl = e.len();
        e[0] = 0x40 | (iphl / 4) as u8;
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        e[4..6].copy_from_slice(&id.to_be_bytes());
        e[8] = 200;
        e[9] = 1;
        e[12..16].copy_from_slice(&self.src.octets());
        e[16..20].copy_from_slice(&src.octets());
        // ICMP header.
        let mut icmp = [self.kind, self.code, 0, 0, 0, 0, 0, 0];
        match (self.kind, self.code) {
            (12, 0) => icmp[4] = pointer,
            (5, _) => icmp[4..8].copy_from_slice(&anno.dst_ip().octets()),
            (3, 4) => icmp[6..8].copy_from_slice(&self.pmtu.to_be_bytes()),
            _ => {}
        }
        e.extend_from_slice(&icmp);
        let quoted = ip.len().min(self.mtu.saturating_sub(iphl + 8));
        e.extend_from_slice(&ip[..quoted]);
        let c = packet::checksum::checksum(&e[iphl..]);
        e[iphl + 2..iphl + 4].copy_from_slice(&c.to_be_bytes());
        let total = e.len() as u16;
        e[2..4].copy_from_slice(&total.to_be_bytes());
        let c = packet::checksum::checksum(&e[..iphl]);
        e[10..12].copy_from_slice(&c.to_be_bytes());
        true
    }
}

impl SimpleAction for ICMPError {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let anno = *packet.anno();
        let Some(ip) = packet.network_header() else {
            return Verdict::Drop(DropReason(0));
        };
        if !self.error_for(ip, &anno) {
            return Verdict::Drop(DropReason(0));
        }
        // The error replaces the packet in the same buffer, so the count of
        // packets in and out stays one for one.
        let e = &self.buf;
        let dst = Ipv4Addr::new(e[16], e[17], e[18], e[19]);
        let iphl = usize::from(e[0] & 0x0f) * 4;
        if packet.reset_with(e).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        *packet.anno_mut() = packet::Annotations::default();
        packet.set_network_header(0, iphl);
        let now = self.clock.wall();
        let anno = packet.anno_mut();
        anno.set_dst_ip(dst);
        anno.timestamp = now;
        if self.fix_anno {
            anno.set(FIX_IP_SRC, &[1]);
        }
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "src" => Ok(self.src.to_string()),
            "mtu" => Ok(self.mtu.to_string()),
            "pmtu" => Ok(self.pmtu.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "src" => self.src = crate::util::parse_handler_value(name, value)?,
            "mtu" => {
                let mtu = usize::from(crate::util::parse_handler_value::<u16>(name, value)?);
                check_mtu(mtu).map_err(HandlerError::BadValue)?;
                self.mtu = mtu;
            }
            "pmtu" => self.pmtu = crate::util::parse_handler_value(name, value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(config: &str) -> ICMPError {
        let mut args = Args::new(config);
        let e = configure(&mut args).unwrap();
        args.complete().unwrap();
        e
    }

    fn error(e: &mut ICMPError, ip: &[u8]) -> Option<Vec<u8>> {
        let anno = packet::Annotations::default();
        e.error_for(ip, &anno).then(|| e.buf.clone())
    }

    #[test]
    fn time_exceeded_quotes_header_and_eight_bytes() {
        let mut e = element("10.0.0.1, timeexceeded");
        let mut ip = vec![
            0x45, 0, 0, 40, 0, 1, 0, 0, 1, 17, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9,
        ];
        ip.extend_from_slice(&[0x12, 0x34, 0, 53, 0, 20, 0, 0, 9, 9, 9, 9]);
        let err = error(&mut e, &ip).unwrap();
        assert_eq!(err.len(), 20 + 8 + 32, "the whole packet fits in 576 bytes");
        assert_eq!(err[8], 200);
        assert!(packet::checksum::verify(&err[..20]));
        assert!(packet::checksum::verify(&err[20..]));
        assert_eq!(&err[16..20], &[10, 0, 1, 5]);
        assert_eq!((err[20], err[21]), (11, 0));
        assert_eq!(&err[28..], &ip[..]);
        let next = error(&mut e, &ip).unwrap();
        assert_eq!(u16::from_be_bytes([next[4], next[5]]), 2, "IDs count up");
        // MTU bounds the quote.
        let mut small = element("10.0.0.1, timeexceeded, MTU 56");
        assert_eq!(error(&mut small, &ip).unwrap().len(), 56);
    }

    #[test]
    fn no_errors_about_errors_fragments_or_broadcasts() {
        let mut e = element("10.0.0.1, unreachable, port, 10.0.2.255");
        let base = [
            0x45u8, 0, 0, 28, 0, 1, 0, 0, 1, 1, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9, 3, 3, 0, 0, 0, 0,
            0, 0,
        ];
        assert!(error(&mut e, &base).is_none(), "ICMP error");
        let mut echo = base;
        echo[20] = 8;
        assert!(error(&mut e, &echo).is_some(), "ICMP echo is answered");
        let mut frag = base;
        frag[9] = 17;
        frag[7] = 1;
        assert!(error(&mut e, &frag).is_none(), "later fragment");
        for dst in [[255; 4], [224, 0, 0, 1], [10, 0, 2, 255]] {
            let mut bcast = base;
            bcast[9] = 17;
            bcast[16..20].copy_from_slice(&dst);
            assert!(error(&mut e, &bcast).is_none(), "{dst:?}");
        }
        for src in [
            [0, 1, 2, 3],
            [127, 0, 0, 1],
            [240, 0, 0, 1],
            [10, 0, 2, 255],
        ] {
            let mut bad = base;
            bad[9] = 17;
            bad[12..16].copy_from_slice(&src);
            assert!(error(&mut e, &bad).is_none(), "{src:?}");
        }
        let mut ok = base;
        ok[9] = 17;
        assert!(error(&mut e, &ok).is_some());
    }

    #[test]
    fn types_codes_and_particulars() {
        assert!(configure(&mut Args::new("10.0.0.1, nosuch")).is_err());
        assert!(
            configure(&mut Args::new("10.0.0.1, echo")).is_err(),
            "not an error type"
        );
        assert!(configure(&mut Args::new("10.0.0.1, redirect, transit")).is_err());
        assert_eq!(element("10.0.0.1, unreachable, needfrag").code, 4);
        assert_eq!(element("10.0.0.1, 3, 13").code, 13);
        assert_eq!(element("10.0.0.1, parameterproblem, missingopt").code, 1);
        let ip = [
            0x45u8, 0, 0, 28, 0, 1, 0x40, 0, 1, 17, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9, 0, 1, 0, 2, 0,
            8, 0, 0,
        ];
        let mut nf = element("10.0.0.1, unreachable, needfrag, PMTU 1400");
        assert_eq!(&error(&mut nf, &ip).unwrap()[24..28], &[0, 0, 0x05, 0x78]);
        let mut pp = element("10.0.0.1, parameterproblem");
        let mut anno = packet::Annotations::default();
        anno.set(ICMP_PARAMPROB, &[22]);
        assert!(pp.error_for(&ip, &anno));
        assert_eq!(pp.buf[24], 22);
        let mut rd = element("10.0.0.1, redirect, host");
        anno.set_dst_ip(Ipv4Addr::new(10, 0, 1, 1));
        assert!(rd.error_for(&ip, &anno));
        assert_eq!(&rd.buf[24..28], &[10, 0, 1, 1]);
    }

    #[test]
    fn source_routes_are_reversed_and_never_redirected() {
        // LSRR with two addresses of which one was used (pointer 8).
        let mut ip = vec![
            0x48, 0, 0, 40, 0, 1, 0, 0, 9, 17, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9,
        ];
        ip.extend_from_slice(&[131, 11, 8, 1, 1, 1, 1, 2, 2, 2, 2, 0]);
        ip.extend_from_slice(&[0, 1, 0, 2, 0, 8, 0, 0]);
        let mut rd = element("10.0.0.1, redirect, host");
        assert!(error(&mut rd, &ip).is_none());
        let mut te = element("10.0.0.1, timeexceeded");
        let err = error(&mut te, &ip).unwrap();
        assert_eq!(err[0], 0x47, "20 + 8 bytes of header");
        assert_eq!(&err[20..28], &[131, 7, 4, 1, 1, 1, 1, 0]);
        assert!(packet::checksum::verify(&err[..28]));
        assert!(packet::checksum::verify(&err[28..]));
        assert_eq!(&err[36..], &ip[..]);
    }
}
