//! IPv6 headers (RFC 8200): the fixed header, a walk over extension
//! headers to the transport protocol, and a `Repr`.
//!
//! Key decision: extension headers are walked lazily by an iterator over
//! the payload, bounded by [`MAX_EXT_HEADERS`], and every header length is
//! checked against the bytes present before it is stepped over; the walk
//! ends at the first protocol that is not an extension header (or at ESP,
//! whose inside is encrypted), and reports it with its offset and any
//! fragment header seen, which is what a classifier or NAT needs.

use core::fmt;
use core::net::Ipv6Addr;

use crate::error::{HeaderError, ensure_room};
use crate::ip::IpProtocol;
use crate::wire::{read_u16, read_u32, slice, slice_mut, write_u16, write_u32};

/// Field offsets of the IPv6 fixed header.
pub mod field {
    use crate::wire::{Field, Rest};
    /// Version (4 bits), traffic class (8 bits), flow label (20 bits).
    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
    pub const PAYLOAD: Rest = 40..;
}

/// Length of the IPv6 fixed header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;
/// The most extension headers the walk steps over before giving up.
pub const MAX_EXT_HEADERS: usize = 16;

/// A view of an IPv6 packet.
///
/// After [`Ipv6Packet::new_checked`] or [`Ipv6Packet::new_checked_header`]
/// succeeds, no accessor panics (the extension-header walk included).
#[derive(Debug, Clone)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 40 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wraps a buffer holding a whole packet: version 6, fixed header and
    /// the payload length present (bytes past it are ignored). Jumbograms
    /// (payload length 0 with a Jumbo Payload option) read as empty.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Wraps a buffer holding at least the fixed header, as quoted in an
    /// ICMPv6 error; the payload is what follows, up to the payload length.
    #[inline]
    pub fn new_checked_header(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_header_len()?;
        Ok(p)
    }

    pub fn check_header_len(&self) -> Result<(), HeaderError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(HeaderError::Truncated);
        }
        if self.version() != 6 {
            return Err(HeaderError::Malformed("IP version is not 6"));
        }
        Ok(())
    }

    pub fn check_len(&self) -> Result<(), HeaderError> {
        self.check_header_len()?;
        if self.buffer.as_ref().len() < HEADER_LEN + usize::from(self.payload_len()) {
            return Err(HeaderError::Truncated);
        }
        Ok(())
    }

    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    #[inline]
    fn first_word(&self) -> u32 {
        read_u32(self.b(), field::VER_TC_FLOW.start)
    }

    #[inline]
    pub fn version(&self) -> u8 {
        (self.first_word() >> 28) as u8
    }

    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> 20) as u8
    }

    #[inline]
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }

    #[inline]
    pub fn ecn(&self) -> u8 {
        self.traffic_class() & 0x03
    }

    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    /// Bytes after the fixed header, as the header says.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        read_u16(self.b(), field::LENGTH.start)
    }

    #[inline]
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.b()[field::NXT_HDR])
    }

    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.b()[field::HOP_LIMIT]
    }

    #[inline]
    pub fn src_addr(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.b()[field::SRC_ADDR]);
        Ipv6Addr::from(a)
    }

    #[inline]
    pub fn dst_addr(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.b()[field::DST_ADDR]);
        Ipv6Addr::from(a)
    }

    #[inline]
    fn payload_end(&self) -> usize {
        (HEADER_LEN + usize::from(self.payload_len())).min(self.b().len())
    }

    /// The bytes after the fixed header (extension headers included), up
    /// to the payload length.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        slice(self.b(), HEADER_LEN, self.payload_end())
    }

    /// The extension headers, in order.
    #[inline]
    pub fn ext_headers(&self) -> Ipv6ExtHeaderIter<'_> {
        Ipv6ExtHeaderIter::new(self.next_header(), self.payload())
    }

    /// Walks the extension headers to the transport protocol.
    pub fn transport(&self) -> Result<Ipv6Transport, HeaderError> {
        let mut it = self.ext_headers();
        let mut fragment = None;
        for h in it.by_ref() {
            let h = h?;
            if let Some(f) = h.fragment() {
                fragment = Some(f);
            }
        }
        Ok(Ipv6Transport {
            protocol: it.next_protocol(),
            offset: HEADER_LEN + it.offset(),
            fragment,
        })
    }

    /// The transport header and what follows it, with its protocol; for a
    /// non-first fragment the bytes are mid-datagram, not a header.
    pub fn transport_payload(&self) -> Result<(IpProtocol, &[u8]), HeaderError> {
        let t = self.transport()?;
        Ok((t.protocol, slice(self.b(), t.offset, self.payload_end())))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    #[inline]
    fn set_first_word(&mut self, w: u32) {
        write_u32(self.buffer.as_mut(), field::VER_TC_FLOW.start, w);
    }

    #[inline]
    pub fn set_version(&mut self, v: u8) {
        let w = (self.first_word() & 0x0fff_ffff) | (u32::from(v & 0x0f) << 28);
        self.set_first_word(w);
    }

    #[inline]
    pub fn set_traffic_class(&mut self, tc: u8) {
        let w = (self.first_word() & 0xf00f_ffff) | (u32::from(tc) << 20);
        self.set_first_word(w);
    }

    /// Sets the flow label (low 20 bits used).
    #[inline]
    pub fn set_flow_label(&mut self, label: u32) {
        let w = (self.first_word() & 0xfff0_0000) | (label & 0x000f_ffff);
        self.set_first_word(w);
    }

    #[inline]
    pub fn set_payload_len(&mut self, len: u16) {
        write_u16(self.buffer.as_mut(), field::LENGTH.start, len);
    }

    #[inline]
    pub fn set_next_header(&mut self, p: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = p.into();
    }

    #[inline]
    pub fn set_hop_limit(&mut self, h: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = h;
    }

    #[inline]
    pub fn set_src_addr(&mut self, a: &Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&a.octets());
    }

    #[inline]
    pub fn set_dst_addr(&mut self, a: &Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&a.octets());
    }

    /// Decrements the hop limit (there is no header checksum); a hop limit
    /// of 0 is left alone and false returned.
    #[inline]
    pub fn decrement_hop_limit(&mut self) -> bool {
        match self.hop_limit().checked_sub(1) {
            Some(h) => {
                self.set_hop_limit(h);
                true
            }
            None => false,
        }
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.payload_end();
        slice_mut(self.buffer.as_mut(), HEADER_LEN, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// What an IPv6 fragment header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Fragment {
    /// Fragment offset in bytes.
    pub offset: u16,
    pub more_frags: bool,
    pub ident: u32,
}

/// One extension header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6ExtHeader<'a> {
    /// Which extension header this is.
    pub kind: IpProtocol,
    /// The protocol of what follows it.
    pub next_header: IpProtocol,
    /// Its offset from the start of the IPv6 payload.
    pub offset: usize,
    /// All its bytes, next-header and length fields included.
    pub bytes: &'a [u8],
}

impl Ipv6ExtHeader<'_> {
    /// The fragment header's fields, if this is one.
    pub fn fragment(&self) -> Option<Ipv6Fragment> {
        if self.kind != IpProtocol::Ipv6Frag {
            return None;
        }
        match self.bytes {
            [_, _, o0, o1, i0, i1, i2, i3, ..] => {
                let off = u16::from_be_bytes([*o0, *o1]);
                Some(Ipv6Fragment {
                    offset: off & 0xfff8,
                    more_frags: off & 1 != 0,
                    ident: u32::from_be_bytes([*i0, *i1, *i2, *i3]),
                })
            }
            _ => None,
        }
    }

    /// The options area of a Hop-by-Hop or Destination Options header (the
    /// bytes after its first two).
    pub fn options(&self) -> &[u8] {
        self.bytes.get(2..).unwrap_or(&[])
    }
}

/// True for the protocols RFC 8200 and RFC 7045 treat as IPv6 extension
/// headers that can be stepped over (ESP cannot, and ends the walk).
#[inline]
pub fn is_extension_header(p: IpProtocol) -> bool {
    matches!(
        p,
        IpProtocol::HopByHop
            | IpProtocol::Ipv6Route
            | IpProtocol::Ipv6Frag
            | IpProtocol::Ipv6Opts
            | IpProtocol::Ah
            // Mobility, HIP, Shim6.
            | IpProtocol::Unknown(135 | 139 | 140)
    )
}

/// Iterator over the extension headers of an IPv6 payload. Yields `Err`
/// once (truncation, a misplaced Hop-by-Hop header, too many headers) and
/// stops; after it ends, [`next_protocol`](Self::next_protocol) and
/// [`offset`](Self::offset) say where the upper layer starts.
#[derive(Debug, Clone)]
pub struct Ipv6ExtHeaderIter<'a> {
    data: &'a [u8],
    next: IpProtocol,
    pos: usize,
    count: usize,
    done: bool,
}

impl<'a> Ipv6ExtHeaderIter<'a> {
    /// Walks `payload`, the bytes after the fixed header, whose first
    /// header is `first`.
    #[inline]
    pub fn new(first: IpProtocol, payload: &'a [u8]) -> Self {
        Ipv6ExtHeaderIter {
            data: payload,
            next: first,
            pos: 0,
            count: 0,
            done: false,
        }
    }

    /// The protocol after the headers walked so far.
    #[inline]
    pub fn next_protocol(&self) -> IpProtocol {
        self.next
    }

    /// Offset from the start of the payload of what follows the headers
    /// walked so far.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    fn fail(&mut self, e: HeaderError) -> Option<Result<Ipv6ExtHeader<'a>, HeaderError>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for Ipv6ExtHeaderIter<'a> {
    type Item = Result<Ipv6ExtHeader<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || !is_extension_header(self.next) {
            return None;
        }
        if self.next == IpProtocol::HopByHop && self.count > 0 {
            return self.fail(HeaderError::Malformed("IPv6 hop-by-hop header not first"));
        }
        if self.count >= MAX_EXT_HEADERS {
            return self.fail(HeaderError::Unsupported("too many IPv6 extension headers"));
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let (next, len_field) = match rest {
            [n, l, ..] => (*n, usize::from(*l)),
            _ => return self.fail(HeaderError::Truncated),
        };
        let len = match self.next {
            IpProtocol::Ipv6Frag => 8,
            IpProtocol::Ah => (len_field + 2) * 4,
            _ => (len_field + 1) * 8,
        };
        let Some(bytes) = rest.get(..len) else {
            return self.fail(HeaderError::Truncated);
        };
        let header = Ipv6ExtHeader {
            kind: self.next,
            next_header: IpProtocol::from(next),
            offset: self.pos,
            bytes,
        };
        self.pos += len;
        self.count += 1;
        self.next = header.next_header;
        Some(Ok(header))
    }
}

/// Where the upper layer of an IPv6 packet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Transport {
    /// The first protocol that is not a walkable extension header
    /// (`Ipv6NoNxt` when there is none, `Esp` for encrypted payloads).
    pub protocol: IpProtocol,
    /// Its offset from the start of the IPv6 header.
    pub offset: usize,
    /// The fragment header, if one was crossed. With a non-zero offset the
    /// bytes at `offset` are the middle of a datagram, not a header.
    pub fragment: Option<Ipv6Fragment>,
}

/// The parsed content of an IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    pub src_addr: Ipv6Addr,
    pub dst_addr: Ipv6Addr,
    /// The fixed header's next header (an extension header, perhaps).
    pub next_header: IpProtocol,
    /// Bytes after the fixed header.
    pub payload_len: usize,
    pub hop_limit: u8,
    pub traffic_class: u8,
    pub flow_label: u32,
}

impl fmt::Display for Ipv6Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {}: {} hlim {} len {}",
            self.src_addr, self.dst_addr, self.next_header, self.hop_limit, self.payload_len
        )
    }
}

impl Ipv6Repr {
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv6Packet<T>) -> Result<Ipv6Repr, HeaderError> {
        p.check_len()?;
        Ok(Ipv6Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: usize::from(p.payload_len()),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
        })
    }

    #[inline]
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes the fixed header; the payload is left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Ipv6Packet<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        let len = u16::try_from(self.payload_len)
            .map_err(|_| HeaderError::Unsupported("IPv6 payload above 65535 (jumbogram)"))?;
        p.set_first_word(6 << 28);
        p.set_traffic_class(self.traffic_class);
        p.set_flow_label(self.flow_label);
        p.set_payload_len(len);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(&self.src_addr);
        p.set_dst_addr(&self.dst_addr);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::udp::UdpPacket;
    use proptest::prelude::*;

    /// IPv6/UDP 2001:db8::1:5353 -> 2001:db8:0:1::53:5353, "hello, v6",
    /// traffic class 0xb8 (EF), flow label 0x12345.
    pub(crate) static IPV6_UDP: [u8; 57] = [
        0x6b, 0x81, 0x23, 0x45, 0x00, 0x11, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x14, 0xe9, 0x14, 0xe9, 0x00,
        0x11, 0xdf, 0xbe, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x76, 0x36,
    ];

    /// IPv6 with Hop-by-Hop (router alert) -> Fragment (offset 0, last) ->
    /// Destination Options (PadN) -> TCP ACK 443 -> 50000.
    static IPV6_EXT_TCP: [u8; 84] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x2c, 0x00, 0x05, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xca, 0xfe, 0x06, 0x00, 0x01, 0x04,
        0x00, 0x00, 0x00, 0x00, 0x01, 0xbb, 0xc3, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x02, 0x50, 0x10, 0x03, 0xe8, 0x8b, 0x69, 0x00, 0x00,
    ];

    #[test]
    fn reads_udp_packet() {
        let p = Ipv6Packet::new_checked(&IPV6_UDP[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0xb8);
        assert_eq!(p.dscp(), 46);
        assert_eq!(p.flow_label(), 0x12345);
        assert_eq!(p.payload_len(), 17);
        assert_eq!(p.next_header(), IpProtocol::Udp);
        assert_eq!(p.hop_limit(), 64);
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8:0:1::53".parse().unwrap();
        assert_eq!((p.src_addr(), p.dst_addr()), (src, dst));
        let t = p.transport().unwrap();
        assert_eq!(
            (t.protocol, t.offset, t.fragment),
            (IpProtocol::Udp, 40, None)
        );
        let u = UdpPacket::new_checked(p.payload()).unwrap();
        assert_eq!(u.dst_port(), 5353);
        assert!(u.verify_checksum_v6(&src, &dst));
        assert_eq!(u.payload(), b"hello, v6");
    }

    #[test]
    fn repr_round_trip() {
        let p = Ipv6Packet::new_checked(&IPV6_UDP[..]).unwrap();
        let repr = Ipv6Repr::parse(&p).unwrap();
        assert_eq!(repr.buffer_len(), 57);
        let mut out = IPV6_UDP;
        out[..40].fill(0);
        repr.emit(&mut Ipv6Packet::new_unchecked(&mut out[..]))
            .unwrap();
        assert_eq!(out, IPV6_UDP);
    }

    #[test]
    fn walks_extension_headers() {
        let p = Ipv6Packet::new_checked(&IPV6_EXT_TCP[..]).unwrap();
        let kinds: Vec<_> = p.ext_headers().map(|h| h.unwrap().kind).collect();
        assert_eq!(
            kinds,
            [
                IpProtocol::HopByHop,
                IpProtocol::Ipv6Frag,
                IpProtocol::Ipv6Opts
            ]
        );
        let first = p.ext_headers().next().unwrap().unwrap();
        assert_eq!(first.options(), &[0x05, 0x02, 0x00, 0x00, 0x01, 0x00]);
        let t = p.transport().unwrap();
        assert_eq!(t.protocol, IpProtocol::Tcp);
        assert_eq!(t.offset, 64);
        assert_eq!(
            t.fragment,
            Some(Ipv6Fragment {
                offset: 0,
                more_frags: false,
                ident: 0xcafe
            })
        );
        let (proto, seg) = p.transport_payload().unwrap();
        assert_eq!(proto, IpProtocol::Tcp);
        let tcp = crate::tcp::TcpPacket::new_checked(seg).unwrap();
        assert_eq!(tcp.src_port(), 443);
        assert!(tcp.verify_checksum_v6(&p.src_addr(), &p.dst_addr()));
    }

    #[test]
    fn extension_header_errors() {
        // Cut inside the Destination Options header.
        let mut short = IPV6_EXT_TCP[..60].to_vec();
        short[4..6].copy_from_slice(&20u16.to_be_bytes());
        let p = Ipv6Packet::new_checked(&short[..]).unwrap();
        assert_eq!(p.transport(), Err(HeaderError::Truncated));
        // Hop-by-Hop after the first position.
        let mut misplaced = IPV6_EXT_TCP;
        misplaced[40] = 0;
        let p = Ipv6Packet::new_checked(&misplaced[..]).unwrap();
        assert!(matches!(p.transport(), Err(HeaderError::Malformed(_))));
        // No next header.
        let mut none = IPV6_UDP;
        none[6] = 59;
        let t = Ipv6Packet::new_checked(&none[..])
            .unwrap()
            .transport()
            .unwrap();
        assert_eq!((t.protocol, t.offset), (IpProtocol::Ipv6NoNxt, 40));
    }

    #[test]
    fn length_checks() {
        assert_eq!(
            Ipv6Packet::new_checked(&IPV6_UDP[..39]).unwrap_err(),
            HeaderError::Truncated
        );
        assert_eq!(
            Ipv6Packet::new_checked(&IPV6_UDP[..56]).unwrap_err(),
            HeaderError::Truncated
        );
        assert!(Ipv6Packet::new_checked_header(&IPV6_UDP[..48]).is_ok());
        let mut v4 = IPV6_UDP;
        v4[0] = 0x45;
        assert!(matches!(
            Ipv6Packet::new_checked(&v4[..]),
            Err(HeaderError::Malformed(_))
        ));
    }

    #[test]
    fn hop_limit_and_setters() {
        let mut d = IPV6_UDP;
        let mut p = Ipv6Packet::new_checked(&mut d[..]).unwrap();
        assert!(p.decrement_hop_limit());
        assert_eq!(p.hop_limit(), 63);
        p.set_hop_limit(0);
        assert!(!p.decrement_hop_limit());
        p.set_flow_label(0xfffff);
        p.set_traffic_class(0);
        assert_eq!(
            (p.version(), p.traffic_class(), p.flow_label()),
            (6, 0, 0xfffff)
        );
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(
            mut data in proptest::collection::vec(any::<u8>(), 0..140),
            first in prop::sample::select(vec![0u8, 43, 44, 51, 60, 135, 6, 17, 59]),
        ) {
            if data.len() >= 8 {
                data[0] = 0x60;
                data[6] = first;
                let plen = (data.len().saturating_sub(40)) as u16;
                data[4..6].copy_from_slice(&plen.to_be_bytes());
            }
            // Make the extension headers' next-header bytes mostly extension headers.
            for i in (40..data.len()).step_by(8) {
                data[i] = [0u8, 43, 44, 51, 60, 6][usize::from(data[i]) % 6];
            }
            if let Ok(p) = Ipv6Packet::new_checked(&data[..]) {
                let _ = (p.version(), p.traffic_class(), p.dscp(), p.ecn(), p.flow_label());
                let _ = (p.payload_len(), p.next_header(), p.hop_limit(), p.src_addr(), p.dst_addr());
                let _ = p.payload();
                for h in p.ext_headers().flatten() {
                    let _ = (h.fragment(), h.options());
                }
                if let Ok(t) = p.transport() {
                    prop_assert!(t.offset <= data.len());
                }
                let _ = (p.transport_payload(), Ipv6Repr::parse(&p));
            }
            if let Ok(p) = Ipv6Packet::new_checked_header(&data[..]) {
                let _ = (p.payload(), p.transport());
            }
        }
    }
}
