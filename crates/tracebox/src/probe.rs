//! Probe model: a probe is a stack of layer values, built to wire bytes.
//!
//! Key decision: layers are plain values in a `Vec`, appended in order, so
//! the later Lua front end maps `A / B` to `Probe::push` and each
//! constructor (`ip{}`, `tcp{}`, `mss(n)`) to one `Layer` value. Lengths,
//! protocol numbers, data offsets and checksums are left as `None` to be
//! computed at build time, or given to craft deliberately wrong packets.
//! Random defaults (IP-ID, ports, seq) are the caller's business.

use packet::IpProtocol;
use packet::checksum;
use std::net::{Ipv4Addr, Ipv6Addr};

/// An IPv4 header; `None` fields are computed by [`Probe::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4 {
    pub dscp: u8,
    pub ecn: u8,
    pub id: u16,
    /// Bits of the 3-bit flags field (DF = 2, MF = 1).
    pub flags: u8,
    pub frag_offset: u16,
    pub ttl: u8,
    pub protocol: Option<u8>,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Raw option bytes (see [`ip_option`]); padded to 4 bytes with EOL.
    pub options: Vec<u8>,
    pub checksum: Option<u16>,
}

impl Ipv4 {
    /// The public tool's installed defaults: DF set, TTL 64.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr, id: u16) -> Self {
        Ipv4 {
            dscp: 0,
            ecn: 0,
            id,
            flags: 2,
            frag_offset: 0,
            ttl: 64,
            protocol: None,
            src,
            dst,
            options: Vec::new(),
            checksum: None,
        }
    }
}

/// Constructors for IPv4 option bytes.
pub mod ip_option {
    use std::net::Ipv4Addr;

    pub const EOL: u8 = 0;
    pub const NOP: u8 = 1;
    pub const RR: u8 = 7;
    pub const LSRR: u8 = 131;
    pub const SSRR: u8 = 137;

    /// Record route with `slots` empty addresses (`rr(n)`).
    pub fn rr(slots: u8) -> Vec<u8> {
        let len = 3 + 4 * usize::from(slots.min(9));
        let mut v = vec![RR, len as u8, 4];
        v.resize(len, 0);
        v
    }

    fn route(kind: u8, hops: &[Ipv4Addr]) -> Vec<u8> {
        let hops = &hops[..hops.len().min(9)];
        let mut v = vec![kind, (3 + 4 * hops.len()) as u8, 4];
        for h in hops {
            v.extend_from_slice(&h.octets());
        }
        v
    }

    /// Loose source and record route (`lsrr{ips}`).
    pub fn lsrr(hops: &[Ipv4Addr]) -> Vec<u8> {
        route(LSRR, hops)
    }

    /// Strict source and record route (`ssrr{ips}`).
    pub fn ssrr(hops: &[Ipv4Addr]) -> Vec<u8> {
        route(SSRR, hops)
    }
}

/// A basic IPv6 header (no extension headers yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6 {
    pub traffic_class: u8,
    pub flow_label: u32,
    pub hop_limit: u8,
    pub next_header: Option<u8>,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
}

/// TCP options, one value per option as the public tool's constructors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption {
    Eol,
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    Sack(Vec<(u32, u32)>),
    Timestamp {
        val: u32,
        ecr: u32,
    },
    FastOpen(Vec<u8>),
    /// MP_CAPABLE, MP_JOIN and anything else kept raw: kind, then data
    /// (the length byte is computed).
    Generic {
        kind: u8,
        data: Vec<u8>,
    },
}

impl TcpOption {
    pub const MPTCP: u8 = 30;

    /// MP_CAPABLE (RFC 6824) with the sender's key; checksum flag `A`.
    pub fn mp_capable(sender_key: u64, checksum: bool) -> Self {
        let mut data = vec![0x00, if checksum { 0x81 } else { 0x01 }];
        data.extend_from_slice(&sender_key.to_be_bytes());
        TcpOption::Generic {
            kind: Self::MPTCP,
            data,
        }
    }

    /// MP_JOIN for a SYN (RFC 6824): token and nonce.
    pub fn mp_join(token: u32, nonce: u32, address_id: u8, backup: bool) -> Self {
        let mut data = vec![0x10 | u8::from(backup), address_id];
        data.extend_from_slice(&token.to_be_bytes());
        data.extend_from_slice(&nonce.to_be_bytes());
        TcpOption::Generic {
            kind: Self::MPTCP,
            data,
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            TcpOption::Eol => out.push(0),
            TcpOption::Nop => out.push(1),
            TcpOption::Mss(m) => {
                out.extend_from_slice(&[2, 4]);
                out.extend_from_slice(&m.to_be_bytes());
            }
            TcpOption::WindowScale(s) => out.extend_from_slice(&[3, 3, *s]),
            TcpOption::SackPermitted => out.extend_from_slice(&[4, 2]),
            TcpOption::Sack(blocks) => {
                let blocks = &blocks[..blocks.len().min(4)];
                out.extend_from_slice(&[5, (2 + 8 * blocks.len()) as u8]);
                for (l, r) in blocks {
                    out.extend_from_slice(&l.to_be_bytes());
                    out.extend_from_slice(&r.to_be_bytes());
                }
            }
            TcpOption::Timestamp { val, ecr } => {
                out.extend_from_slice(&[8, 10]);
                out.extend_from_slice(&val.to_be_bytes());
                out.extend_from_slice(&ecr.to_be_bytes());
            }
            TcpOption::FastOpen(cookie) => {
                let cookie = &cookie[..cookie.len().min(16)];
                out.extend_from_slice(&[34, (2 + cookie.len()) as u8]);
                out.extend_from_slice(cookie);
            }
            TcpOption::Generic { kind, data } => {
                let data = &data[..data.len().min(38)];
                out.extend_from_slice(&[*kind, (2 + data.len()) as u8]);
                out.extend_from_slice(data);
            }
        }
    }
}

pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    /// Data offset in 32-bit words; `None` is computed from the options.
    pub data_offset: Option<u8>,
    pub checksum: Option<u16>,
}

impl Tcp {
    /// A SYN with the public tool's window of 5840.
    pub fn syn(src_port: u16, dst_port: u16, seq: u32) -> Self {
        Tcp {
            src_port,
            dst_port,
            seq,
            ack: 0,
            flags: tcp_flags::SYN,
            window: 5840,
            urgent: 0,
            data_offset: None,
            checksum: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
    pub length: Option<u16>,
    pub checksum: Option<u16>,
}

/// An ICMP echo request (type 8) or reply (type 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmpEcho {
    pub icmp_type: u8,
    pub code: u8,
    pub id: u16,
    pub seq: u16,
    pub checksum: Option<u16>,
}

/// One layer of a probe, in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    Ipv4(Ipv4),
    Ipv6(Ipv6),
    Tcp(Tcp),
    /// A TCP option; options follow their TCP header in the probe.
    TcpOption(TcpOption),
    Udp(Udp),
    IcmpEcho(IcmpEcho),
    Raw(Vec<u8>),
}

/// Why a probe cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("probe must start with an IP or IPv6 layer")]
    NoNetworkLayer,
    #[error("TCP option without a TCP layer before it")]
    OptionWithoutTcp,
    #[error("options longer than 40 bytes")]
    OptionsTooLong,
    #[error("probe longer than 65535 bytes")]
    TooLong,
}

/// A probe: layers in wire order (`IP / TCP / mss(9000)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Probe {
    pub layers: Vec<Layer>,
}

impl Probe {
    pub fn new() -> Self {
        Probe::default()
    }

    /// Appends a layer: the `/` operator of the probe language.
    pub fn push(mut self, layer: Layer) -> Self {
        self.layers.push(layer);
        self
    }

    /// The probe's bytes with every `None` length, protocol and checksum
    /// filled in.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        let (net, rest) = self
            .layers
            .split_first()
            .ok_or(BuildError::NoNetworkLayer)?;
        // Transport segment first: the IP header needs its length and the
        // transport checksum needs the addresses.
        let mut seg = Vec::new();
        let mut first_proto: Option<u8> = None;
        let mut i = 0;
        // (offset in seg, kind) of headers whose checksum is computed last.
        let mut fixups: Vec<(usize, u8, bool)> = Vec::new();
        while i < rest.len() {
            match &rest[i] {
                Layer::Tcp(t) => {
                    first_proto.get_or_insert(6);
                    let start = seg.len();
                    let mut opts = Vec::new();
                    let mut j = i + 1;
                    while let Some(Layer::TcpOption(o)) = rest.get(j) {
                        o.emit(&mut opts);
                        j += 1;
                    }
                    while opts.len() % 4 != 0 {
                        opts.push(0);
                    }
                    if opts.len() > 40 {
                        return Err(BuildError::OptionsTooLong);
                    }
                    let doff = t.data_offset.unwrap_or((5 + opts.len() / 4) as u8);
                    seg.extend_from_slice(&t.src_port.to_be_bytes());
                    seg.extend_from_slice(&t.dst_port.to_be_bytes());
                    seg.extend_from_slice(&t.seq.to_be_bytes());
                    seg.extend_from_slice(&t.ack.to_be_bytes());
                    seg.push(doff << 4);
                    seg.push(t.flags);
                    seg.extend_from_slice(&t.window.to_be_bytes());
                    seg.extend_from_slice(&t.checksum.unwrap_or(0).to_be_bytes());
                    seg.extend_from_slice(&t.urgent.to_be_bytes());
                    seg.extend_from_slice(&opts);
                    fixups.push((start, 6, t.checksum.is_none()));
                    i = j;
                    continue;
                }
                Layer::TcpOption(_) => return Err(BuildError::OptionWithoutTcp),
                Layer::Udp(u) => {
                    first_proto.get_or_insert(17);
                    fixups.push((seg.len(), 17, u.checksum.is_none()));
                    seg.extend_from_slice(&u.src_port.to_be_bytes());
                    seg.extend_from_slice(&u.dst_port.to_be_bytes());
                    seg.extend_from_slice(&u.length.unwrap_or(0).to_be_bytes());
                    seg.extend_from_slice(&u.checksum.unwrap_or(0).to_be_bytes());
                }
                Layer::IcmpEcho(e) => {
                    let proto = if matches!(net, Layer::Ipv6(_)) { 58 } else { 1 };
                    first_proto.get_or_insert(proto);
                    fixups.push((seg.len(), proto, e.checksum.is_none()));
                    seg.extend_from_slice(&[e.icmp_type, e.code]);
                    seg.extend_from_slice(&e.checksum.unwrap_or(0).to_be_bytes());
                    seg.extend_from_slice(&e.id.to_be_bytes());
                    seg.extend_from_slice(&e.seq.to_be_bytes());
                }
                Layer::Raw(r) => seg.extend_from_slice(r),
                Layer::Ipv4(_) | Layer::Ipv6(_) => return Err(BuildError::NoNetworkLayer),
            }
            i += 1;
        }
        // Lengths cover everything after each header, so fix them from the
        // innermost header outwards before computing checksums.
        for &(off, proto, _) in &fixups {
            if proto == 17 {
                let len = u16::try_from(seg.len() - off).map_err(|_| BuildError::TooLong)?;
                if let Some(Layer::Udp(Udp { length: None, .. })) = udp_at(rest, &fixups, off) {
                    seg[off + 4..off + 6].copy_from_slice(&len.to_be_bytes());
                }
            }
        }
        let mut out = Vec::new();
        match net {
            Layer::Ipv4(ip) => {
                if ip.options.len() > 40 {
                    return Err(BuildError::OptionsTooLong);
                }
                let mut opts = ip.options.clone();
                while opts.len() % 4 != 0 {
                    opts.push(0);
                }
                let hlen = 20 + opts.len();
                let total = u16::try_from(hlen + seg.len()).map_err(|_| BuildError::TooLong)?;
                let proto = ip.protocol.or(first_proto).unwrap_or(0);
                out.push(0x40 | (hlen / 4) as u8);
                out.push((ip.dscp << 2) | (ip.ecn & 3));
                out.extend_from_slice(&total.to_be_bytes());
                out.extend_from_slice(&ip.id.to_be_bytes());
                let ff = (u16::from(ip.flags & 7) << 13) | (ip.frag_offset & 0x1fff);
                out.extend_from_slice(&ff.to_be_bytes());
                out.extend_from_slice(&[ip.ttl, proto, 0, 0]);
                out.extend_from_slice(&ip.src.octets());
                out.extend_from_slice(&ip.dst.octets());
                out.extend_from_slice(&opts);
                let c = ip.checksum.unwrap_or_else(|| checksum::checksum(&out));
                out[10..12].copy_from_slice(&c.to_be_bytes());
                for &(off, p, compute) in fixups.iter().rev() {
                    if compute && (p == 6 || p == 17) {
                        let len = (seg.len() - off) as u16;
                        seg_checksum(&mut seg[off..], p, |body| {
                            let ph = checksum::pseudo_header_v4(
                                ip.src,
                                ip.dst,
                                IpProtocol::from(p),
                                len,
                            );
                            checksum::finish(&[ph, checksum::sum(body)])
                        });
                    } else if compute && p == 1 {
                        seg_checksum(&mut seg[off..], p, checksum::checksum);
                    }
                }
            }
            Layer::Ipv6(ip) => {
                let plen = u16::try_from(seg.len()).map_err(|_| BuildError::TooLong)?;
                let nh = ip.next_header.or(first_proto).unwrap_or(59);
                let w0 =
                    (6u32 << 28) | (u32::from(ip.traffic_class) << 20) | (ip.flow_label & 0xf_ffff);
                out.extend_from_slice(&w0.to_be_bytes());
                out.extend_from_slice(&plen.to_be_bytes());
                out.extend_from_slice(&[nh, ip.hop_limit]);
                out.extend_from_slice(&ip.src.octets());
                out.extend_from_slice(&ip.dst.octets());
                for &(off, p, compute) in fixups.iter().rev() {
                    if compute {
                        let len = (seg.len() - off) as u32;
                        seg_checksum(&mut seg[off..], p, |body| {
                            let ph = checksum::pseudo_header_v6(
                                &ip.src,
                                &ip.dst,
                                IpProtocol::from(p),
                                len,
                            );
                            checksum::finish(&[ph, checksum::sum(body)])
                        });
                    }
                }
            }
            _ => return Err(BuildError::NoNetworkLayer),
        }
        out.extend_from_slice(&seg);
        Ok(out)
    }
}

fn udp_at<'a>(rest: &'a [Layer], fixups: &[(usize, u8, bool)], off: usize) -> Option<&'a Layer> {
    let idx = fixups
        .iter()
        .filter(|f| f.1 == 17)
        .position(|f| f.0 == off)?;
    rest.iter().filter(|l| matches!(l, Layer::Udp(_))).nth(idx)
}

/// Writes the checksum of `body` (with its checksum field zeroed) into it.
fn seg_checksum(body: &mut [u8], proto: u8, f: impl Fn(&[u8]) -> u16) {
    let at = match proto {
        6 => 16,
        17 => 6,
        _ => 2,
    };
    if body.len() < at + 2 {
        return;
    }
    body[at..at + 2].copy_from_slice(&[0, 0]);
    let mut c = f(body);
    // A computed UDP checksum of zero is sent as all ones (RFC 768).
    if proto == 17 && c == 0 {
        c = 0xffff;
    }
    body[at..at + 2].copy_from_slice(&c.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> Ipv4 {
        Ipv4::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(1, 2, 3, 4), 272)
    }

    #[test]
    fn ip_tcp_mss_bytes() {
        let p = Probe::new()
            .push(Layer::Ipv4(ip()))
            .push(Layer::Tcp(Tcp::syn(47457, 80, 1271357509)))
            .push(Layer::TcpOption(TcpOption::Mss(9000)));
        let b = p.build().unwrap();
        assert_eq!(b.len(), 44);
        assert_eq!(&b[..4], &[0x45, 0x00, 0x00, 44]);
        assert_eq!(&b[4..10], &[0x01, 0x10, 0x40, 0x00, 64, 6]);
        assert!(checksum::verify(&b[..20]));
        assert_eq!(b[32], 6 << 4);
        assert_eq!(&b[40..44], &[2, 4, 0x23, 0x28]);
        let ph = checksum::pseudo_header_v4(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(1, 2, 3, 4),
            IpProtocol::Tcp,
            24,
        );
        assert_eq!(checksum::combine(&[ph, checksum::sum(&b[20..])]), 0xffff);
    }

    #[test]
    fn udp_length_and_checksum() {
        let p = Probe::new()
            .push(Layer::Ipv4(ip()))
            .push(Layer::Udp(Udp {
                src_port: 1000,
                dst_port: 53,
                length: None,
                checksum: None,
            }))
            .push(Layer::Raw(b"x".to_vec()));
        let b = p.build().unwrap();
        assert_eq!(b.len(), 29);
        assert_eq!(b[9], 17);
        assert_eq!(&b[24..26], &[0, 9]);
        let ph = checksum::pseudo_header_v4(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(1, 2, 3, 4),
            IpProtocol::Udp,
            9,
        );
        assert_eq!(checksum::combine(&[ph, checksum::sum(&b[20..])]), 0xffff);
    }

    #[test]
    fn ip_options_padded() {
        let mut h = ip();
        h.options = ip_option::rr(2);
        let b = Probe::new().push(Layer::Ipv4(h)).build().unwrap();
        assert_eq!(b[0], 0x48);
        assert_eq!(&b[20..32], &[7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(checksum::verify(&b[..32]));
    }

    #[test]
    fn option_without_tcp_is_an_error() {
        let p = Probe::new()
            .push(Layer::Ipv4(ip()))
            .push(Layer::TcpOption(TcpOption::Nop));
        assert_eq!(p.build(), Err(BuildError::OptionWithoutTcp));
    }

    #[test]
    fn icmp_echo_checksum() {
        let p = Probe::new()
            .push(Layer::Ipv4(ip()))
            .push(Layer::IcmpEcho(IcmpEcho {
                icmp_type: 8,
                code: 0,
                id: 1,
                seq: 2,
                checksum: None,
            }));
        let b = p.build().unwrap();
        assert_eq!(b[9], 1);
        assert!(checksum::verify(&b[20..]));
    }
}
