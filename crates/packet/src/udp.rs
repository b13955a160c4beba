//! UDP headers (RFC 768): a view and a `Repr`.
//!
//! Key decision: checksum verification and filling take the pseudo-header
//! explicitly (`*_v4` / `*_v6` methods, or a precomputed pseudo-header sum),
//! because the UDP bytes alone cannot say which IP version carries them; and
//! the zero-means-none rule of IPv4 (and its absence in IPv6) is applied
//! here, once.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum;
use crate::error::{HeaderError, ensure_room};
use crate::ip::IpProtocol;
use crate::wire::{read_u16, slice, slice_mut, write_u16};

/// Field offsets of the UDP header.
pub mod field {
    use crate::wire::{Field, Rest};
    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const PAYLOAD: Rest = 8..;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A view of a UDP datagram.
///
/// After [`UdpPacket::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 8 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wraps a buffer holding a header whose length field is at least 8
    /// and within the buffer (bytes past it are allowed and ignored).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The checks of [`new_checked`](Self::new_checked).
    pub fn check_len(&self) -> Result<(), HeaderError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(HeaderError::Truncated);
        }
        let field_len = usize::from(self.len());
        if field_len < HEADER_LEN {
            return Err(HeaderError::Malformed("UDP length below 8"));
        }
        if len < field_len {
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
    pub fn src_port(&self) -> u16 {
        read_u16(self.b(), field::SRC_PORT.start)
    }

    #[inline]
    pub fn dst_port(&self) -> u16 {
        read_u16(self.b(), field::DST_PORT.start)
    }

    /// The length field: header plus payload.
    #[inline]
    pub fn len(&self) -> u16 {
        read_u16(self.b(), field::LENGTH.start)
    }

    /// True when the length field says there is no payload.
    #[inline]
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.b(), field::CHECKSUM.start)
    }

    /// End of the datagram: the length field, clamped to the buffer.
    #[inline]
    fn end(&self) -> usize {
        usize::from(self.len()).min(self.b().len())
    }

    /// The payload, up to the length field.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        slice(self.b(), HEADER_LEN, self.end())
    }

    /// The header and payload, up to the length field.
    #[inline]
    pub fn datagram(&self) -> &[u8] {
        slice(self.b(), 0, self.end())
    }

    /// True when the datagram plus a pseudo-header summing to `pseudo` sums
    /// to `0xFFFF`. (Does not apply the "zero means no checksum" rule.)
    #[inline]
    pub fn verify_checksum_with(&self, pseudo: u16) -> bool {
        checksum::combine(&[pseudo, checksum::sum(self.datagram())]) == 0xffff
    }

    /// Checks the checksum under IPv4; a zero checksum means "none" and
    /// passes (RFC 768).
    #[inline]
    pub fn verify_checksum_v4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        self.verify_checksum_with(checksum::pseudo_header_v4(
            src,
            dst,
            IpProtocol::Udp,
            self.len(),
        ))
    }

    /// Checks the checksum under IPv6, where it is mandatory: zero fails
    /// (RFC 8200 §8.1).
    #[inline]
    pub fn verify_checksum_v6(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        if self.checksum() == 0 {
            return false;
        }
        let pseudo = checksum::pseudo_header_v6(src, dst, IpProtocol::Udp, u32::from(self.len()));
        self.verify_checksum_with(pseudo)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    #[inline]
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    #[inline]
    pub fn set_src_port(&mut self, port: u16) {
        write_u16(self.bm(), field::SRC_PORT.start, port);
    }

    #[inline]
    pub fn set_dst_port(&mut self, port: u16) {
        write_u16(self.bm(), field::DST_PORT.start, port);
    }

    #[inline]
    pub fn set_len(&mut self, len: u16) {
        write_u16(self.bm(), field::LENGTH.start, len);
    }

    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        write_u16(self.bm(), field::CHECKSUM.start, c);
    }

    /// Fills the checksum given the pseudo-header's sum; a computed zero is
    /// sent as `0xFFFF` (RFC 768).
    #[inline]
    pub fn fill_checksum_with(&mut self, pseudo: u16) {
        self.set_checksum(0);
        let c = checksum::finish(&[pseudo, checksum::sum(self.datagram())]);
        self.set_checksum(if c == 0 { 0xffff } else { c });
    }

    #[inline]
    pub fn fill_checksum_v4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let len = self.len();
        self.fill_checksum_with(checksum::pseudo_header_v4(src, dst, IpProtocol::Udp, len));
    }

    #[inline]
    pub fn fill_checksum_v6(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        let len = u32::from(self.len());
        self.fill_checksum_with(checksum::pseudo_header_v6(src, dst, IpProtocol::Udp, len));
    }

    /// Applies an RFC 1624 update to the checksum for a 16-bit change
    /// covered by it, keeping a zero ("none") checksum zero and never
    /// producing zero otherwise.
    #[inline]
    pub fn update_checksum_u16(&mut self, old: u16, new: u16) {
        let c = self.checksum();
        if c != 0 {
            let n = checksum::update_u16(c, old, new);
            self.set_checksum(if n == 0 { 0xffff } else { n });
        }
    }

    /// [`update_checksum_u16`](Self::update_checksum_u16) for a 32-bit
    /// change, such as an IPv4 address in the pseudo-header (NAT).
    #[inline]
    pub fn update_checksum_u32(&mut self, old: u32, new: u32) {
        let c = self.checksum();
        if c != 0 {
            let n = checksum::update_u32(c, old, new);
            self.set_checksum(if n == 0 { 0xffff } else { n });
        }
    }

    /// Sets the source port, updating the checksum incrementally.
    #[inline]
    pub fn set_src_port_incremental(&mut self, port: u16) {
        let old = self.src_port();
        self.set_src_port(port);
        self.update_checksum_u16(old, port);
    }

    /// Sets the destination port, updating the checksum incrementally.
    #[inline]
    pub fn set_dst_port_incremental(&mut self, port: u16) {
        let old = self.dst_port();
        self.set_dst_port(port);
        self.update_checksum_u16(old, port);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.end();
        slice_mut(self.bm(), HEADER_LEN, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for UdpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parsed content of a UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    /// Bytes after the header.
    pub payload_len: usize,
}

impl UdpRepr {
    /// Reads a checked datagram's header. The checksum is not verified
    /// here: it needs the IP addresses (use `verify_checksum_v4`/`_v6`).
    pub fn parse<T: AsRef<[u8]>>(p: &UdpPacket<T>) -> Result<UdpRepr, HeaderError> {
        p.check_len()?;
        Ok(UdpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: usize::from(p.len()).saturating_sub(HEADER_LEN),
        })
    }

    #[inline]
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Bytes of header plus payload.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes the header with a zero checksum; put the payload in place and
    /// then call `fill_checksum_v4`/`_v6`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut UdpPacket<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        let len = u16::try_from(self.buffer_len())
            .map_err(|_| HeaderError::Malformed("UDP length above 65535"))?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_len(len);
        p.set_checksum(0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::Ipv4Packet;
    use crate::ipv4::tests::IPV4_UDP;
    use proptest::prelude::*;

    const SRC: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
    const DST: Ipv4Addr = Ipv4Addr::new(8, 8, 8, 8);

    #[test]
    fn reads_dns_query() {
        let ip = Ipv4Packet::new_checked(&IPV4_UDP[..]).unwrap();
        let u = UdpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(u.src_port(), 40000);
        assert_eq!(u.dst_port(), 53);
        assert_eq!(u.len(), 37);
        assert_eq!(u.checksum(), 0x1631);
        assert!(u.verify_checksum_v4(SRC, DST));
        assert!(!u.verify_checksum_v4(DST, DST));
        assert_eq!(u.payload().len(), 29);
        assert_eq!(&u.payload()[13..20], b"example");
    }

    #[test]
    fn repr_round_trip() {
        let dgram = &IPV4_UDP[20..57];
        let u = UdpPacket::new_checked(dgram).unwrap();
        let repr = UdpRepr::parse(&u).unwrap();
        assert_eq!(repr.buffer_len(), 37);
        let mut out = dgram.to_vec();
        out[..8].fill(0);
        let mut v = UdpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut v).unwrap();
        v.fill_checksum_v4(SRC, DST);
        assert_eq!(&out[..], dgram);
    }

    #[test]
    fn length_checks() {
        let dgram = &IPV4_UDP[20..57];
        assert_eq!(
            UdpPacket::new_checked(&dgram[..7]).unwrap_err(),
            HeaderError::Truncated
        );
        assert_eq!(
            UdpPacket::new_checked(&dgram[..36]).unwrap_err(),
            HeaderError::Truncated
        );
        let mut bad = dgram.to_vec();
        bad[4..6].copy_from_slice(&7u16.to_be_bytes());
        assert!(matches!(
            UdpPacket::new_checked(&bad[..]),
            Err(HeaderError::Malformed(_))
        ));
    }

    #[test]
    fn zero_checksum_rules() {
        let mut d = IPV4_UDP[20..57].to_vec();
        let mut u = UdpPacket::new_checked(&mut d[..]).unwrap();
        u.set_checksum(0);
        assert!(u.verify_checksum_v4(SRC, DST));
        let s6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        assert!(!u.verify_checksum_v6(&s6, &s6));
        u.set_src_port_incremental(1234);
        assert_eq!(u.checksum(), 0, "no checksum stays no checksum");
    }

    #[test]
    fn nat_rewrite_incremental() {
        let mut d = IPV4_UDP[20..57].to_vec();
        let mut u = UdpPacket::new_checked(&mut d[..]).unwrap();
        let new_src = Ipv4Addr::new(203, 0, 113, 9);
        u.update_checksum_u32(SRC.to_bits(), new_src.to_bits());
        u.set_src_port_incremental(61000);
        assert!(u.verify_checksum_v4(new_src, DST));
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(mut u) = UdpPacket::new_checked(&mut data[..]) {
                let _ = (u.src_port(), u.dst_port(), u.len(), u.is_empty(), u.checksum());
                let _ = (u.payload(), u.datagram(), UdpRepr::parse(&u));
                let _ = u.verify_checksum_v4(SRC, DST);
                let _ = u.verify_checksum_v6(&Ipv6Addr::LOCALHOST, &Ipv6Addr::LOCALHOST);
                u.fill_checksum_v4(SRC, DST);
                prop_assert!(u.verify_checksum_v4(SRC, DST));
                let _ = u.payload_mut();
            }
        }

        #[test]
        fn incremental_port_and_addr_equal_full(
            payload in proptest::collection::vec(any::<u8>(), 0..30),
            sport in any::<u16>(), dport in any::<u16>(), src in any::<u32>(),
        ) {
            let repr = UdpRepr { src_port: 1, dst_port: 2, payload_len: payload.len() };
            let mut buf = vec![0u8; repr.buffer_len()];
            buf[8..].copy_from_slice(&payload);
            let mut u = UdpPacket::new_unchecked(&mut buf[..]);
            repr.emit(&mut u).unwrap();
            u.fill_checksum_v4(SRC, DST);
            let new_src = Ipv4Addr::from_bits(src);
            u.update_checksum_u32(SRC.to_bits(), new_src.to_bits());
            u.set_src_port_incremental(sport);
            u.set_dst_port_incremental(dport);
            let incremental = u.checksum();
            u.fill_checksum_v4(new_src, DST);
            prop_assert_eq!(incremental, u.checksum());
        }
    }
}
