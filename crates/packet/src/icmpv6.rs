//! ICMP for IPv6 (RFC 4443): message types, a view whose checksum covers
//! the IPv6 pseudo-header, and a `Repr` for echo and the error messages.
//!
//! Key decision: as for ICMPv4, an error's quote is an IPv6 view checked
//! only for its fixed header; Neighbor Discovery and MLD bodies are left to
//! the modules that need them — here they are `Other` with their data.

use core::net::Ipv6Addr;

use crate::checksum;
use crate::error::{HeaderError, ensure_room};
use crate::ip::IpProtocol;
use crate::ipv6::Ipv6Packet;
use crate::wire::{read_u16, read_u32, slice, slice_mut, write_u16, write_u32};

/// Field offsets of the ICMPv6 header.
pub mod field {
    use crate::wire::{Field, Rest};
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    /// The type-specific second word.
    pub const REST: Field = 4..8;
    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQNO: Field = 6..8;
    /// Packet too big: the MTU.
    pub const MTU: Field = 4..8;
    /// Parameter problem: the offending byte's offset.
    pub const POINTER: Field = 4..8;
    pub const DATA: Rest = 8..;
}

/// Length of the ICMPv6 header.
pub const HEADER_LEN: usize = field::DATA.start;

/// ICMPv6 message types (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv6Message {
    DstUnreachable,
    PktTooBig,
    TimeExceeded,
    ParamProblem,
    EchoRequest,
    EchoReply,
    MldQuery,
    MldReport,
    MldDone,
    RouterSolicit,
    RouterAdvert,
    NeighborSolicit,
    NeighborAdvert,
    Redirect,
    MldV2Report,
    Unknown(u8),
}

impl From<u8> for Icmpv6Message {
    fn from(n: u8) -> Self {
        match n {
            1 => Icmpv6Message::DstUnreachable,
            2 => Icmpv6Message::PktTooBig,
            3 => Icmpv6Message::TimeExceeded,
            4 => Icmpv6Message::ParamProblem,
            128 => Icmpv6Message::EchoRequest,
            129 => Icmpv6Message::EchoReply,
            130 => Icmpv6Message::MldQuery,
            131 => Icmpv6Message::MldReport,
            132 => Icmpv6Message::MldDone,
            133 => Icmpv6Message::RouterSolicit,
            134 => Icmpv6Message::RouterAdvert,
            135 => Icmpv6Message::NeighborSolicit,
            136 => Icmpv6Message::NeighborAdvert,
            137 => Icmpv6Message::Redirect,
            143 => Icmpv6Message::MldV2Report,
            n => Icmpv6Message::Unknown(n),
        }
    }
}

impl From<Icmpv6Message> for u8 {
    fn from(m: Icmpv6Message) -> u8 {
        match m {
            Icmpv6Message::DstUnreachable => 1,
            Icmpv6Message::PktTooBig => 2,
            Icmpv6Message::TimeExceeded => 3,
            Icmpv6Message::ParamProblem => 4,
            Icmpv6Message::EchoRequest => 128,
            Icmpv6Message::EchoReply => 129,
            Icmpv6Message::MldQuery => 130,
            Icmpv6Message::MldReport => 131,
            Icmpv6Message::MldDone => 132,
            Icmpv6Message::RouterSolicit => 133,
            Icmpv6Message::RouterAdvert => 134,
            Icmpv6Message::NeighborSolicit => 135,
            Icmpv6Message::NeighborAdvert => 136,
            Icmpv6Message::Redirect => 137,
            Icmpv6Message::MldV2Report => 143,
            Icmpv6Message::Unknown(n) => n,
        }
    }
}

impl Icmpv6Message {
    /// True for error messages (types 0–127, RFC 4443 §2.1).
    #[inline]
    pub fn is_error(self) -> bool {
        u8::from(self) < 128
    }
}

/// A view of an ICMPv6 message (the upper-layer payload of an IPv6 packet).
///
/// After [`Icmpv6Packet::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv6Packet { buffer }
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
    pub fn msg_type(&self) -> Icmpv6Message {
        Icmpv6Message::from(self.b()[field::TYPE])
    }

    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.b()[field::CODE]
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.b(), field::CHECKSUM.start)
    }

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

    /// Packet too big: the next hop's MTU.
    #[inline]
    pub fn mtu(&self) -> u32 {
        read_u32(self.b(), field::MTU.start)
    }

    /// Parameter problem: offset of the offending byte.
    #[inline]
    pub fn pointer(&self) -> u32 {
        read_u32(self.b(), field::POINTER.start)
    }

    /// Everything after the header.
    #[inline]
    pub fn data(&self) -> &[u8] {
        let b = self.b();
        slice(b, HEADER_LEN, b.len())
    }

    fn pseudo(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> u16 {
        let len = u32::try_from(self.b().len()).unwrap_or(u32::MAX);
        checksum::pseudo_header_v6(src, dst, IpProtocol::Icmpv6, len)
    }

    /// True when the message plus the IPv6 pseudo-header sums to `0xFFFF`.
    #[inline]
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        checksum::combine(&[self.pseudo(src, dst), checksum::sum(self.b())]) == 0xffff
    }

    /// The quoted packet of an error message, checked for its fixed header.
    pub fn quoted_packet(&self) -> Result<Ipv6Packet<&[u8]>, HeaderError> {
        if !self.msg_type().is_error() {
            return Err(HeaderError::Unsupported("ICMPv6 message is not an error"));
        }
        Ipv6Packet::new_checked_header(self.data())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    #[inline]
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    #[inline]
    pub fn set_msg_type(&mut self, t: Icmpv6Message) {
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
    pub fn set_mtu(&mut self, mtu: u32) {
        write_u32(self.bm(), field::MTU.start, mtu);
    }

    #[inline]
    pub fn set_pointer(&mut self, p: u32) {
        write_u32(self.bm(), field::POINTER.start, p);
    }

    /// Recomputes the checksum over the pseudo-header and the message.
    #[inline]
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let pseudo = self.pseudo(src, dst);
        let c = checksum::finish(&[pseudo, checksum::sum(self.b())]);
        self.set_checksum(c);
    }

    /// Applies an RFC 1624 update for a 16-bit change covered by the
    /// checksum.
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
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Icmpv6Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parsed content of an ICMPv6 header. `data_len` / `quote_len` count
/// the bytes after the header, which `emit` leaves alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv6Repr {
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
        quote_len: usize,
    },
    PktTooBig {
        mtu: u32,
        quote_len: usize,
    },
    TimeExceeded {
        code: u8,
        quote_len: usize,
    },
    ParamProblem {
        code: u8,
        pointer: u32,
        quote_len: usize,
    },
    /// Any other message (Neighbor Discovery, MLD, …).
    Other {
        msg_type: Icmpv6Message,
        code: u8,
        rest_of_header: u32,
        data_len: usize,
    },
}

impl Icmpv6Repr {
    /// Reads a checked message, verifying its checksum against the
    /// pseudo-header of `src` and `dst`; an error message must quote at
    /// least a whole IPv6 fixed header.
    pub fn parse<T: AsRef<[u8]>>(
        p: &Icmpv6Packet<T>,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
    ) -> Result<Icmpv6Repr, HeaderError> {
        p.check_len()?;
        if !p.verify_checksum(src, dst) {
            return Err(HeaderError::BadChecksum);
        }
        let data_len = p.data().len();
        let code = p.msg_code();
        let quote_len = data_len;
        let msg_type = p.msg_type();
        let known_error = matches!(
            msg_type,
            Icmpv6Message::DstUnreachable
                | Icmpv6Message::PktTooBig
                | Icmpv6Message::TimeExceeded
                | Icmpv6Message::ParamProblem
        );
        if known_error && p.quoted_packet().is_err() {
            return Err(HeaderError::Malformed(
                "ICMPv6 error does not quote an IPv6 header",
            ));
        }
        Ok(match msg_type {
            Icmpv6Message::EchoRequest => Icmpv6Repr::EchoRequest {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data_len,
            },
            Icmpv6Message::EchoReply => Icmpv6Repr::EchoReply {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data_len,
            },
            Icmpv6Message::DstUnreachable => Icmpv6Repr::DstUnreachable { code, quote_len },
            Icmpv6Message::PktTooBig => Icmpv6Repr::PktTooBig {
                mtu: p.mtu(),
                quote_len,
            },
            Icmpv6Message::TimeExceeded => Icmpv6Repr::TimeExceeded { code, quote_len },
            Icmpv6Message::ParamProblem => Icmpv6Repr::ParamProblem {
                code,
                pointer: p.pointer(),
                quote_len,
            },
            msg_type => Icmpv6Repr::Other {
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
            Icmpv6Repr::EchoRequest { data_len, .. }
            | Icmpv6Repr::EchoReply { data_len, .. }
            | Icmpv6Repr::Other { data_len, .. } => data_len,
            Icmpv6Repr::DstUnreachable { quote_len, .. }
            | Icmpv6Repr::PktTooBig { quote_len, .. }
            | Icmpv6Repr::TimeExceeded { quote_len, .. }
            | Icmpv6Repr::ParamProblem { quote_len, .. } => quote_len,
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
        p: &mut Icmpv6Packet<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        let (msg_type, code, rest) = match *self {
            Icmpv6Repr::EchoRequest { ident, seq_no, .. } => (
                Icmpv6Message::EchoRequest,
                0,
                u32::from(ident) << 16 | u32::from(seq_no),
            ),
            Icmpv6Repr::EchoReply { ident, seq_no, .. } => (
                Icmpv6Message::EchoReply,
                0,
                u32::from(ident) << 16 | u32::from(seq_no),
            ),
            Icmpv6Repr::DstUnreachable { code, .. } => (Icmpv6Message::DstUnreachable, code, 0),
            Icmpv6Repr::PktTooBig { mtu, .. } => (Icmpv6Message::PktTooBig, 0, mtu),
            Icmpv6Repr::TimeExceeded { code, .. } => (Icmpv6Message::TimeExceeded, code, 0),
            Icmpv6Repr::ParamProblem { code, pointer, .. } => {
                (Icmpv6Message::ParamProblem, code, pointer)
            }
            Icmpv6Repr::Other {
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
    use crate::ipv6::tests::IPV6_UDP;
    use proptest::prelude::*;

    /// IPv6/ICMPv6 echo request fe80::5054:ff:fe12:3456 -> fe80::1, hop
    /// limit 255, ident 0x4242, sequence 7, data "pingpong".
    static IPV6_ICMP_ECHO: [u8; 56] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0xff, 0x04, 0x42,
        0x42, 0x00, 0x07, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x6f, 0x6e, 0x67,
    ];

    #[test]
    fn reads_echo_request() {
        let ip = Ipv6Packet::new_checked(&IPV6_ICMP_ECHO[..]).unwrap();
        assert_eq!(ip.next_header(), IpProtocol::Icmpv6);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        let p = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert_eq!(p.msg_type(), Icmpv6Message::EchoRequest);
        assert_eq!(p.checksum(), 0xff04);
        assert!(p.verify_checksum(&src, &dst));
        assert!(!p.verify_checksum(&dst, &Ipv6Addr::LOCALHOST));
        assert_eq!((p.echo_ident(), p.echo_seq_no()), (0x4242, 7));
        assert_eq!(p.data(), b"pingpong");
        assert_eq!(
            Icmpv6Repr::parse(&p, &src, &dst).unwrap(),
            Icmpv6Repr::EchoRequest {
                ident: 0x4242,
                seq_no: 7,
                data_len: 8
            }
        );
        assert_eq!(
            Icmpv6Repr::parse(&p, &dst, &src),
            Ok(Icmpv6Repr::EchoRequest {
                ident: 0x4242,
                seq_no: 7,
                data_len: 8
            }),
            "the pseudo-header sum does not depend on the address order"
        );
    }

    #[test]
    fn echo_reply_round_trip() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "fe80::5054:ff:fe12:3456".parse().unwrap();
        let repr = Icmpv6Repr::EchoReply {
            ident: 0x4242,
            seq_no: 7,
            data_len: 8,
        };
        let mut out = vec![0u8; repr.buffer_len()];
        let mut p = Icmpv6Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut p).unwrap();
        p.data_mut().copy_from_slice(b"pingpong");
        p.fill_checksum(&src, &dst);
        // Only the type changed (128 -> 129): the checksum moves by 0x0100.
        assert_eq!(p.checksum(), 0xff04 - 0x0100);
        assert_eq!(Icmpv6Repr::parse(&p, &src, &dst).unwrap(), repr);
    }

    #[test]
    fn packet_too_big_quotes_ipv6() {
        let src: Ipv6Addr = "2001:db8::fe".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let repr = Icmpv6Repr::PktTooBig {
            mtu: 1280,
            quote_len: IPV6_UDP.len(),
        };
        let mut out = vec![0u8; repr.buffer_len()];
        let mut p = Icmpv6Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut p).unwrap();
        p.data_mut().copy_from_slice(&IPV6_UDP);
        p.fill_checksum(&src, &dst);
        assert_eq!(Icmpv6Repr::parse(&p, &src, &dst).unwrap(), repr);
        let q = p.quoted_packet().unwrap();
        assert_eq!(q.transport().unwrap().protocol, IpProtocol::Udp);
        assert_eq!(p.mtu(), 1280);
        // A quote that is not an IPv6 header.
        let mut bad = out[..20].to_vec();
        let mut p = Icmpv6Packet::new_checked(&mut bad[..]).unwrap();
        p.fill_checksum(&src, &dst);
        assert!(matches!(
            Icmpv6Repr::parse(&p, &src, &dst),
            Err(HeaderError::Malformed(_))
        ));
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(
            mut data in proptest::collection::vec(any::<u8>(), 0..100),
            msg_type in prop::sample::select(vec![1u8, 2, 3, 4, 128, 129, 135, 200]),
        ) {
            if data.len() > 8 {
                data[0] = msg_type;
                data[8] = 0x60;
            }
            let (s, d) = (Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
            if let Ok(mut p) = Icmpv6Packet::new_checked(&mut data[..]) {
                let _ = (p.msg_type(), p.msg_code(), p.checksum(), p.rest_of_header());
                let _ = (p.echo_ident(), p.echo_seq_no(), p.mtu(), p.pointer(), p.data());
                let _ = p.verify_checksum(&s, &d);
                if let Ok(q) = p.quoted_packet() {
                    let _ = (q.src_addr(), q.transport(), q.payload());
                }
                let _ = Icmpv6Repr::parse(&p, &s, &d);
                p.fill_checksum(&s, &d);
                prop_assert!(p.verify_checksum(&s, &d));
            }
        }
    }
}
