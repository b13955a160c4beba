//! ICMP for IPv4 (RFC 792): echo, the error messages with the datagram
//! they quote, a view and a `Repr`.
//!
//! Key decision: an error message's quote is handed out as an
//! [`Ipv4Packet`] checked with `new_checked_header` — only the quoted
//! header must be whole, since routers quote just the first bytes of the
//! offending datagram — so a NAT or tracebox can read and rewrite the quote
//! with the same view it uses for live packets.

use core::net::Ipv4Addr;

use crate::checksum;
use crate::error::{HeaderError, ensure_room};
use crate::ipv4::Ipv4Packet;
use crate::wire::{read_u16, read_u32, slice, slice_mut, write_u16, write_u32};

/// Field offsets of the ICMPv4 header.
pub mod field {
    use crate::wire::{Field, Rest};
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    /// The type-specific second word.
    pub const REST: Field = 4..8;
    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQNO: Field = 6..8;
    /// Parameter problem: the offending byte's offset.
    pub const POINTER: usize = 4;
    /// Redirect: the gateway to use.
    pub const GATEWAY: Field = 4..8;
    /// Destination unreachable, fragmentation needed: next-hop MTU
    /// (RFC 1191).
    pub const NEXT_HOP_MTU: Field = 6..8;
    /// Echo data, or the quoted datagram of an error.
    pub const DATA: Rest = 8..;
}

/// Length of the ICMPv4 header.
pub const HEADER_LEN: usize = field::DATA.start;

/// ICMPv4 message types (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv4Message {
    EchoReply,
    DstUnreachable,
    SourceQuench,
    Redirect,
    EchoRequest,
    RouterAdvert,
    RouterSolicit,
    TimeExceeded,
    ParamProblem,
    Timestamp,
    TimestampReply,
    Unknown(u8),
}

impl From<u8> for Icmpv4Message {
    fn from(n: u8) -> Self {
        match n {
            0 => Icmpv4Message::EchoReply,
            3 => Icmpv4Message::DstUnreachable,
            4 => Icmpv4Message::SourceQuench,
            5 => Icmpv4Message::Redirect,
            8 => Icmpv4Message::EchoRequest,
            9 => Icmpv4Message::RouterAdvert,
            10 => Icmpv4Message::RouterSolicit,
            11 => Icmpv4Message::TimeExceeded,
            12 => Icmpv4Message::ParamProblem,
            13 => Icmpv4Message::Timestamp,
            14 => Icmpv4Message::TimestampReply,
            n => Icmpv4Message::Unknown(n),
        }
    }
}

impl From<Icmpv4Message> for u8 {
    fn from(m: Icmpv4Message) -> u8 {
        match m {
            Icmpv4Message::EchoReply => 0,
            Icmpv4Message::DstUnreachable => 3,
            Icmpv4Message::SourceQuench => 4,
            Icmpv4Message::Redirect => 5,
            Icmpv4Message::EchoRequest => 8,
            Icmpv4Message::RouterAdvert => 9,
            Icmpv4Message::RouterSolicit => 10,
            Icmpv4Message::TimeExceeded => 11,
            Icmpv4Message::ParamProblem => 12,
            Icmpv4Message::Timestamp => 13,
            Icmpv4Message::TimestampReply => 14,
            Icmpv4Message::Unknown(n) => n,
        }
    }
}

impl Icmpv4Message {
    /// True for error messages, which quote the offending datagram
    /// (destination unreachable, source quench, redirect, time exceeded,
    /// parameter problem).
    #[inline]
    pub fn is_error(self) -> bool {
        matches!(
            self,
            Icmpv4Message::DstUnreachable
                | Icmpv4Message::SourceQuench
                | Icmpv4Message::Redirect
                | Icmpv4Message::TimeExceeded
                | Icmpv4Message::ParamProblem
        )
    }
}

/// Destination-unreachable codes (RFC 792, RFC 1122, RFC 1812).
pub mod unreach {
    pub const NET: u8 = 0;
    pub const HOST: u8 = 1;
    pub const PROTOCOL: u8 = 2;
    pub const PORT: u8 = 3;
    pub const NEED_FRAG: u8 = 4;
    pub const SOURCE_ROUTE_FAILED: u8 = 5;
    pub const NET_UNKNOWN: u8 = 6;
    pub const HOST_UNKNOWN: u8 = 7;
    pub const NET_PROHIBITED: u8 = 9;
    pub const HOST_PROHIBITED: u8 = 10;
    pub const ADMIN_PROHIBITED: u8 = 13;
}

/// Time-exceeded codes.
pub mod time_exceeded {
    pub const TRANSIT: u8 = 0;
    pub const REASSEMBLY: u8 = 1;
}

/// A view of an ICMPv4 message (the whole IPv4 payload).
///
/// After [`Icmpv4Packet::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv4Packet { buffer }
    }

    /// Wraps a buffer holding at least the 8-byte header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), HeaderError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(HeaderError::Truncated)
        } else {
            Ok(())
        }
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
    pub fn msg_type(&self) -> Icmpv4Message {
        Icmpv4Message::from(self.b()[field::TYPE])
    }

    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.b()[field::CODE]
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.b(), field::CHECKSUM.start)
    }

    /// The second header word, whatever the type makes of it.
    #[inline]
    pub fn rest_of_header(&self) -> u32 {
        read_u32(self.b(), field::REST.start)
    }

    #[inline]
    pub fn echo_ident(&self) -> u16 {
        read_u16(self.b(), field::ECHO_IDENT.start)
    }

    #[inline]
    pub fn echo_seq_no(&self) -> u16 {
        read_u16(self.b(), field::ECHO_SEQNO.start)
    }

    /// Parameter problem: offset of the offending byte in the quoted
    /// datagram.
    #[inline]
    pub fn pointer(&self) -> u8 {
        self.b()[field::POINTER]
    }

    /// Redirect: the better gateway.
    #[inline]
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(read_u32(self.b(), field::GATEWAY.start))
    }

    /// Fragmentation needed: the next hop's MTU (0 from old routers).
    #[inline]
    pub fn next_hop_mtu(&self) -> u16 {
        read_u16(self.b(), field::NEXT_HOP_MTU.start)
    }

    /// Everything after the header: echo data, or an error's quote.
    #[inline]
    pub fn data(&self) -> &[u8] {
        let b = self.b();
        slice(b, HEADER_LEN, b.len())
    }

    /// True when the message sums to `0xFFFF`.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(self.b())
    }

    /// The quoted datagram of an error message, as a header-checked IPv4
    /// view; `Unsupported` for other types, or the header's error if the
    /// quote is not a whole IPv4 header.
    pub fn quoted_packet(&self) -> Result<Ipv4Packet<&[u8]>, HeaderError> {
        if !self.msg_type().is_error() {
            return Err(HeaderError::Unsupported("ICMP message is not an error"));
        }
        Ipv4Packet::new_checked_header(self.data())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
    #[inline]
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    #[inline]
    pub fn set_msg_type(&mut self, t: Icmpv4Message) {
        self.bm()[field::TYPE] = t.into();
    }

    #[inline]
    pub fn set_msg_code(&mut self, c: u8) {
        self.bm()[field::CODE] = c;
    }

    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        write_u16(self.bm(), field::CHECKSUM.start, c);
    }

    #[inline]
    pub fn set_rest_of_header(&mut self, v: u32) {
        write_u32(self.bm(), field::REST.start, v);
    }

    #[inline]
    pub fn set_echo_ident(&mut self, v: u16) {
        write_u16(self.bm(), field::ECHO_IDENT.start, v);
    }

    #[inline]
    pub fn set_echo_seq_no(&mut self, v: u16) {
        write_u16(self.bm(), field::ECHO_SEQNO.start, v);
    }

    #[inline]
    pub fn set_pointer(&mut self, p: u8) {
        self.bm()[field::POINTER] = p;
    }

    #[inline]
    pub fn set_gateway(&mut self, a: Ipv4Addr) {
        write_u32(self.bm(), field::GATEWAY.start, a.to_bits());
    }

    #[inline]
    pub fn set_next_hop_mtu(&mut self, mtu: u16) {
        write_u16(self.bm(), field::NEXT_HOP_MTU.start, mtu);
    }

    /// Recomputes the checksum over the whole message.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.b());
        self.set_checksum(c);
    }

    /// Applies an RFC 1624 update for a 16-bit change covered by the
    /// checksum (an echo identifier rewritten by a NAT, say).
    #[inline]
    pub fn update_checksum_u16(&mut self, old: u16, new: u16) {
        let c = checksum::update_u16(self.checksum(), old, new);
        self.set_checksum(c);
    }

    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let b = self.bm();
        let end = b.len();
        slice_mut(b, HEADER_LEN, end)
    }

    /// The quoted datagram of an error message, writable (to undo a NAT's
    /// translation inside it); see [`quoted_packet`](Icmpv4Packet::quoted_packet).
    pub fn quoted_packet_mut(&mut self) -> Result<Ipv4Packet<&mut [u8]>, HeaderError> {
        if !self.msg_type().is_error() {
            return Err(HeaderError::Unsupported("ICMP message is not an error"));
        }
        Ipv4Packet::new_checked_header(self.data_mut())
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Icmpv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parsed content of an ICMPv4 header. `data_len` / `quote_len` count
/// the bytes after the header, which `emit` leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv4Repr {
    EchoRequest {
        ident: u16,
        seq_no: u16,
        data_len: usize,
    },
    EchoReply {
        ident: u16,
        seq_no: u16,
        data_len: usize,
    },
    DstUnreachable {
        code: u8,
        /// Meaningful for code 4 (fragmentation needed); else 0.
        next_hop_mtu: u16,
        quote_len: usize,
    },
    TimeExceeded {
        code: u8,
        quote_len: usize,
    },
    ParamProblem {
        code: u8,
        pointer: u8,
        quote_len: usize,
    },
    Redirect {
        code: u8,
        gateway: Ipv4Addr,
        quote_len: usize,
    },
    /// Any other message: its type, code, second word and data length.
    Other {
        msg_type: Icmpv4Message,
        code: u8,
        rest_of_header: u32,
        data_len: usize,
    },
}

impl Icmpv4Repr {
    /// Reads a checked message, verifying its checksum; an error message
    /// must quote at least a whole IPv4 header.
    pub fn parse<T: AsRef<[u8]>>(p: &Icmpv4Packet<T>) -> Result<Icmpv4Repr, HeaderError> {
        p.check_len()?;
        if !p.verify_checksum() {
            return Err(HeaderError::BadChecksum);
        }
        let data_len = p.data().len();
        let code = p.msg_code();
        if p.msg_type().is_error() && p.quoted_packet().is_err() {
            return Err(HeaderError::Malformed(
                "ICMP error does not quote an IPv4 header",
            ));
        }
        Ok(match p.msg_type() {
            Icmpv4Message::EchoRequest => Icmpv4Repr::EchoRequest {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data_len,
            },
            Icmpv4Message::EchoReply => Icmpv4Repr::EchoReply {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data_len,
            },
            Icmpv4Message::DstUnreachable => Icmpv4Repr::DstUnreachable {
                code,
                next_hop_mtu: p.next_hop_mtu(),
                quote_len: data_len,
            },
            Icmpv4Message::TimeExceeded => Icmpv4Repr::TimeExceeded {
                code,
                quote_len: data_len,
            },
            Icmpv4Message::ParamProblem => Icmpv4Repr::ParamProblem {
                code,
                pointer: p.pointer(),
                quote_len: data_len,
            },
            Icmpv4Message::Redirect => Icmpv4Repr::Redirect {
                code,
                gateway: p.gateway(),
                quote_len: data_len,
            },
            msg_type => Icmpv4Repr::Other {
                msg_type,
                code,
                rest_of_header: p.rest_of_header(),
                data_len,
            },
        })
    }

    /// Bytes after the header.
    pub fn data_len(&self) -> usize {
        match *self {
            Icmpv4Repr::EchoRequest { data_len, .. }
            | Icmpv4Repr::EchoReply { data_len, .. }
            | Icmpv4Repr::Other { data_len, .. } => data_len,
            Icmpv4Repr::DstUnreachable { quote_len, .. }
            | Icmpv4Repr::TimeExceeded { quote_len, .. }
            | Icmpv4Repr::ParamProblem { quote_len, .. }
            | Icmpv4Repr::Redirect { quote_len, .. } => quote_len,
        }
    }

    #[inline]
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    #[inline]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data_len()
    }

    /// Writes the header with a zero checksum; put the data in place and
    /// then call `fill_checksum`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Icmpv4Packet<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        let (msg_type, code, rest) = match *self {
            Icmpv4Repr::EchoRequest { ident, seq_no, .. } => (
                Icmpv4Message::EchoRequest,
                0,
                u32::from(ident) << 16 | u32::from(seq_no),
            ),
            Icmpv4Repr::EchoReply { ident, seq_no, .. } => (
                Icmpv4Message::EchoReply,
                0,
                u32::from(ident) << 16 | u32::from(seq_no),
            ),
            Icmpv4Repr::DstUnreachable {
                code, next_hop_mtu, ..
            } => (Icmpv4Message::DstUnreachable, code, u32::from(next_hop_mtu)),
            Icmpv4Repr::TimeExceeded { code, .. } => (Icmpv4Message::TimeExceeded, code, 0),
            Icmpv4Repr::ParamProblem { code, pointer, .. } => {
                (Icmpv4Message::ParamProblem, code, u32::from(pointer) << 24)
            }
            Icmpv4Repr::Redirect { code, gateway, .. } => {
                (Icmpv4Message::Redirect, code, gateway.to_bits())
            }
            Icmpv4Repr::Other {
                msg_type,
                code,
                rest_of_header,
                ..
            } => (msg_type, code, rest_of_header),
        };
        p.set_msg_type(msg_type);
        p.set_msg_code(code);
        p.set_checksum(0);
        p.set_rest_of_header(rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::IpProtocol;
    use crate::udp::UdpPacket;
    use proptest::prelude::*;

    /// IPv4/ICMP echo request 192.168.1.10 -> 192.168.1.1, ident 0x1234,
    /// sequence 1, 16 bytes of data 0x10..0x1f.
    static IPV4_ICMP_ECHO: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x0d, 0x0e, 0x40, 0x00, 0x40, 0x01, 0xaa, 0x67, 0xc0, 0xa8, 0x01,
        0x0a, 0xc0, 0xa8, 0x01, 0x01, 0x08, 0x00, 0x2d, 0x0a, 0x12, 0x34, 0x00, 0x01, 0x10, 0x11,
        0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    ];

    /// Time exceeded in transit from 10.9.8.7, quoting the IPv4 header and
    /// first 8 UDP bytes of a TTL-1 DNS query 192.168.1.10 -> 8.8.8.8.
    static ICMP_TIME_EXCEEDED: [u8; 56] = [
        0x45, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0xfe, 0x01, 0xa9, 0x02, 0x0a, 0x09, 0x08,
        0x07, 0xc0, 0xa8, 0x01, 0x0a, 0x0b, 0x00, 0x42, 0x34, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00,
        0x00, 0x39, 0x1c, 0x46, 0x40, 0x00, 0x01, 0x11, 0x8b, 0xac, 0xc0, 0xa8, 0x01, 0x0a, 0x08,
        0x08, 0x08, 0x08, 0x9c, 0x40, 0x00, 0x35, 0x00, 0x25, 0x16, 0x31,
    ];

    #[test]
    fn reads_echo_request() {
        let ip = Ipv4Packet::new_checked(&IPV4_ICMP_ECHO[..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(ip.protocol(), IpProtocol::Icmp);
        let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        assert_eq!(icmp.msg_type(), Icmpv4Message::EchoRequest);
        assert_eq!(icmp.msg_code(), 0);
        assert_eq!(icmp.checksum(), 0x2d0a);
        assert!(icmp.verify_checksum());
        assert_eq!((icmp.echo_ident(), icmp.echo_seq_no()), (0x1234, 1));
        assert_eq!(icmp.data().len(), 16);
        assert_eq!(
            icmp.quoted_packet().unwrap_err(),
            HeaderError::Unsupported("ICMP message is not an error")
        );
        assert_eq!(
            Icmpv4Repr::parse(&icmp).unwrap(),
            Icmpv4Repr::EchoRequest {
                ident: 0x1234,
                seq_no: 1,
                data_len: 16
            }
        );
    }

    #[test]
    fn echo_reply_built_from_request() {
        let req = Icmpv4Packet::new_checked(&IPV4_ICMP_ECHO[20..]).unwrap();
        let Icmpv4Repr::EchoRequest {
            ident,
            seq_no,
            data_len,
        } = Icmpv4Repr::parse(&req).unwrap()
        else {
            panic!("not an echo request")
        };
        let reply = Icmpv4Repr::EchoReply {
            ident,
            seq_no,
            data_len,
        };
        let mut out = vec![0u8; reply.buffer_len()];
        let mut p = Icmpv4Packet::new_unchecked(&mut out[..]);
        reply.emit(&mut p).unwrap();
        p.data_mut().copy_from_slice(req.data());
        p.fill_checksum();
        // Only the type changed (8 -> 0): the checksum moves by 0x0800.
        assert_eq!(p.checksum(), 0x2d0a + 0x0800);
        assert_eq!(Icmpv4Repr::parse(&p).unwrap(), reply);
    }

    #[test]
    fn reads_time_exceeded_quote() {
        let ip = Ipv4Packet::new_checked(&ICMP_TIME_EXCEEDED[..]).unwrap();
        let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        assert_eq!(icmp.msg_type(), Icmpv4Message::TimeExceeded);
        assert_eq!(icmp.msg_code(), time_exceeded::TRANSIT);
        assert!(icmp.verify_checksum());
        let quote = icmp.quoted_packet().unwrap();
        assert_eq!(quote.src_addr(), Ipv4Addr::new(192, 168, 1, 10));
        assert_eq!(quote.dst_addr(), Ipv4Addr::new(8, 8, 8, 8));
        assert_eq!(quote.protocol(), IpProtocol::Udp);
        assert_eq!(quote.ttl(), 1);
        assert!(quote.verify_checksum());
        assert_eq!(quote.total_len(), 57);
        let udp = UdpPacket::new_unchecked(quote.payload());
        assert_eq!((udp.src_port(), udp.dst_port()), (40000, 53));
        assert_eq!(
            Icmpv4Repr::parse(&icmp).unwrap(),
            Icmpv4Repr::TimeExceeded {
                code: 0,
                quote_len: 28
            }
        );
    }

    #[test]
    fn error_without_ip_quote_is_malformed() {
        let mut msg = ICMP_TIME_EXCEEDED[20..30].to_vec();
        let mut p = Icmpv4Packet::new_checked(&mut msg[..]).unwrap();
        p.fill_checksum();
        assert!(matches!(
            Icmpv4Repr::parse(&p),
            Err(HeaderError::Malformed(_))
        ));
        let mut bad = ICMP_TIME_EXCEEDED[20..].to_vec();
        bad[8] ^= 1;
        let p = Icmpv4Packet::new_checked(&bad[..]).unwrap();
        assert_eq!(Icmpv4Repr::parse(&p), Err(HeaderError::BadChecksum));
        assert_eq!(
            Icmpv4Packet::new_checked(&bad[..7]).unwrap_err(),
            HeaderError::Truncated
        );
    }

    #[test]
    fn error_reprs_round_trip() {
        let quote = &ICMP_TIME_EXCEEDED[28..];
        for repr in [
            Icmpv4Repr::DstUnreachable {
                code: unreach::NEED_FRAG,
                next_hop_mtu: 1400,
                quote_len: quote.len(),
            },
            Icmpv4Repr::ParamProblem {
                code: 0,
                pointer: 20,
                quote_len: quote.len(),
            },
            Icmpv4Repr::Redirect {
                code: 1,
                gateway: Ipv4Addr::new(10, 0, 0, 254),
                quote_len: quote.len(),
            },
            Icmpv4Repr::Other {
                msg_type: Icmpv4Message::Timestamp,
                code: 0,
                rest_of_header: 0x00010002,
                data_len: quote.len(),
            },
        ] {
            let mut out = vec![0u8; repr.buffer_len()];
            let mut p = Icmpv4Packet::new_unchecked(&mut out[..]);
            repr.emit(&mut p).unwrap();
            p.data_mut().copy_from_slice(quote);
            p.fill_checksum();
            assert_eq!(Icmpv4Repr::parse(&p).unwrap(), repr);
        }
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(
            mut data in proptest::collection::vec(any::<u8>(), 0..60),
            error_type in prop::sample::select(vec![0u8, 3, 4, 5, 8, 11, 12, 13, 42]),
        ) {
            if data.len() > 8 {
                data[0] = error_type;
                data[8] = 0x40 | (data[8] & 0x0f);
            }
            if let Ok(mut p) = Icmpv4Packet::new_checked(&mut data[..]) {
                let _ = (p.msg_type(), p.msg_code(), p.checksum(), p.rest_of_header());
                let _ = (p.echo_ident(), p.echo_seq_no(), p.pointer(), p.gateway());
                let _ = (p.next_hop_mtu(), p.data(), p.verify_checksum());
                if let Ok(q) = p.quoted_packet() {
                    let _ = (q.src_addr(), q.payload(), q.options_iter().count(), q.verify_checksum());
                }
                let _ = Icmpv4Repr::parse(&p);
                p.fill_checksum();
                prop_assert!(p.verify_checksum());
                if let Ok(repr) = Icmpv4Repr::parse(&p) {
                    prop_assert_eq!(repr.buffer_len(), p.as_ref().len());
                }
                let _ = p.quoted_packet_mut().map(|mut q| q.fill_checksum());
            }
        }
    }
}
