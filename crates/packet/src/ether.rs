//! Ethernet II frames, Ethernet addresses and EtherTypes.
//!
//! Key decision: [`EtherAddress`] prints the way Click prints it
//! (`EtherAddress::unparse()`: upper-case hex separated by dashes,
//! `00-05-4E-50-3C-1A`), so handler output matches Click's byte for byte;
//! [`EtherAddress::colon`] gives Click's `unparse_colon()` form. Parsing
//! accepts what Click's `EtherAddressArg` accepts: six groups of one or two
//! hex digits, all separated by `:` or all by `-`.

use core::fmt;
use core::str::FromStr;

use crate::error::{HeaderError, ensure_room};
use crate::wire::{Field, read_u16, write_u16};

/// A 48-bit Ethernet (MAC) address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EtherAddress(pub [u8; 6]);

impl EtherAddress {
    /// `FF-FF-FF-FF-FF-FF`.
    pub const BROADCAST: EtherAddress = EtherAddress([0xff; 6]);
    /// `00-00-00-00-00-00`.
    pub const ZERO: EtherAddress = EtherAddress([0; 6]);

    /// The address in the first six bytes of `bytes`, if there are six.
    #[inline]
    pub fn from_bytes(bytes: &[u8]) -> Option<EtherAddress> {
        let b: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        Some(EtherAddress(b))
    }

    /// The six bytes, in transmission order.
    #[inline]
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True for `FF-FF-FF-FF-FF-FF`.
    #[inline]
    pub fn is_broadcast(&self) -> bool {
        self.0 == [0xff; 6]
    }

    /// True for group addresses (the low bit of the first byte is set);
    /// this includes the broadcast address, as in Click's `is_group()`.
    #[inline]
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }

    /// True for individual (non-group) addresses.
    #[inline]
    pub fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// True for locally administered addresses (second-lowest bit of the
    /// first byte).
    #[inline]
    pub fn is_local(&self) -> bool {
        self.0[0] & 2 != 0
    }

    /// True for `00-00-00-00-00-00`.
    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }

    /// Displays as Click's `unparse_colon()`: `00:05:4E:50:3C:1A`.
    #[inline]
    pub fn colon(&self) -> impl fmt::Display + '_ {
        Separated(self, ':')
    }
}

struct Separated<'a>(&'a EtherAddress, char);

impl fmt::Display for Separated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0.0;
        let s = self.1;
        write!(
            f,
            "{:02X}{s}{:02X}{s}{:02X}{s}{:02X}{s}{:02X}{s}{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Display for EtherAddress {
    /// Click's `unparse()`: upper-case hex separated by dashes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Separated(self, '-'), f)
    }
}

impl fmt::Debug for EtherAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<[u8; 6]> for EtherAddress {
    #[inline]
    fn from(b: [u8; 6]) -> Self {
        EtherAddress(b)
    }
}

impl From<EtherAddress> for [u8; 6] {
    #[inline]
    fn from(a: EtherAddress) -> Self {
        a.0
    }
}

/// A string that is not an Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected an Ethernet address like 00:11:22:33:44:55 or 00-11-22-33-44-55")]
pub struct EtherAddressParseError;

impl FromStr for EtherAddress {
    type Err = EtherAddressParseError;

    /// Six groups of one or two hex digits, separated all by `:` or all by
    /// `-` (Click's `EtherAddressArg` syntax).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let sep = if s.contains(':') { ':' } else { '-' };
        let mut out = [0u8; 6];
        let mut groups = s.split(sep);
        for byte in out.iter_mut() {
            let g = groups.next().ok_or(EtherAddressParseError)?;
            if g.is_empty() || g.len() > 2 || !g.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(EtherAddressParseError);
            }
            *byte = u8::from_str_radix(g, 16).map_err(|_| EtherAddressParseError)?;
        }
        if groups.next().is_some() {
            return Err(EtherAddressParseError);
        }
        Ok(EtherAddress(out))
    }
}

/// An EtherType (IEEE 802 numbers), open: unnamed values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EtherType {
    /// IPv4 (0x0800).
    Ipv4,
    /// ARP (0x0806).
    Arp,
    /// Reverse ARP (0x8035).
    Rarp,
    /// IEEE 802.1Q VLAN tag (0x8100).
    Vlan,
    /// IPv6 (0x86DD).
    Ipv6,
    /// PPPoE discovery stage (0x8863).
    PppoeDiscovery,
    /// PPPoE session stage (0x8864).
    PppoeSession,
    /// MPLS unicast (0x8847).
    Mpls,
    /// IEEE 802.1ad service VLAN tag, "QinQ" (0x88A8).
    QinQ,
    /// LLDP (0x88CC).
    Lldp,
    /// Any other value (values below 0x0600 are 802.3 lengths, not types).
    Unknown(u16),
}

impl From<u16> for EtherType {
    #[inline]
    fn from(n: u16) -> EtherType {
        match n {
            0x0800 => EtherType::Ipv4,
            0x0806 => EtherType::Arp,
            0x8035 => EtherType::Rarp,
            0x8100 => EtherType::Vlan,
            0x86dd => EtherType::Ipv6,
            0x8863 => EtherType::PppoeDiscovery,
            0x8864 => EtherType::PppoeSession,
            0x8847 => EtherType::Mpls,
            0x88a8 => EtherType::QinQ,
            0x88cc => EtherType::Lldp,
            n => EtherType::Unknown(n),
        }
    }
}

impl From<EtherType> for u16 {
    #[inline]
    fn from(t: EtherType) -> u16 {
        match t {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
            EtherType::Rarp => 0x8035,
            EtherType::Vlan => 0x8100,
            EtherType::Ipv6 => 0x86dd,
            EtherType::PppoeDiscovery => 0x8863,
            EtherType::PppoeSession => 0x8864,
            EtherType::Mpls => 0x8847,
            EtherType::QinQ => 0x88a8,
            EtherType::Lldp => 0x88cc,
            EtherType::Unknown(n) => n,
        }
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EtherType::Unknown(n) => write!(f, "0x{n:04x}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Field offsets of the Ethernet II header.
pub mod field {
    use crate::wire::{Field, Rest};
    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const PAYLOAD: Rest = 14..;
}

/// Length of the Ethernet II header.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A view of an Ethernet II frame (no preamble, no FCS).
///
/// After [`EthernetFrame::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps a buffer without checking it; accessors panic if it is
    /// shorter than [`HEADER_LEN`].
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps a buffer, checking it holds a whole header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Fails with `Truncated` unless the buffer holds a whole header.
    #[inline]
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
    pub const fn header_len() -> usize {
        HEADER_LEN
    }

    #[inline]
    fn addr(&self, f: Field) -> EtherAddress {
        let b = self.buffer.as_ref();
        let mut a = [0u8; 6];
        a.copy_from_slice(&b[f]);
        EtherAddress(a)
    }

    #[inline]
    pub fn dst_addr(&self) -> EtherAddress {
        self.addr(field::DESTINATION)
    }

    #[inline]
    pub fn src_addr(&self) -> EtherAddress {
        self.addr(field::SOURCE)
    }

    #[inline]
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(read_u16(self.buffer.as_ref(), field::ETHERTYPE.start))
    }

    /// Everything after the header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(field::PAYLOAD).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    #[inline]
    pub fn set_dst_addr(&mut self, a: EtherAddress) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&a.0);
    }

    #[inline]
    pub fn set_src_addr(&mut self, a: EtherAddress) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&a.0);
    }

    #[inline]
    pub fn set_ethertype(&mut self, t: EtherType) {
        write_u16(self.buffer.as_mut(), field::ETHERTYPE.start, t.into());
    }

    /// Swaps source and destination addresses in place (Click's
    /// `EtherMirror`).
    #[inline]
    pub fn swap_addrs(&mut self) {
        let b = self.buffer.as_mut();
        let (dst, rest) = b.split_at_mut(6);
        dst.swap_with_slice(&mut rest[..6]);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        match b.get_mut(field::PAYLOAD) {
            Some(p) => p,
            None => &mut [],
        }
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parsed content of an Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    pub src_addr: EtherAddress,
    pub dst_addr: EtherAddress,
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// Reads the header of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<EthernetRepr, HeaderError> {
        frame.check_len()?;
        Ok(EthernetRepr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// Bytes the header takes.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header; the payload bytes are left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        frame: &mut EthernetFrame<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(frame.buffer.as_ref().len(), HEADER_LEN)?;
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A broadcast ARP request frame's Ethernet header, then 28 bytes.
    static ARP_FRAME: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
    ];

    #[test]
    fn reads_header() {
        let f = EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap();
        assert!(f.dst_addr().is_broadcast());
        assert_eq!(
            f.src_addr(),
            EtherAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
        );
        assert_eq!(f.ethertype(), EtherType::Arp);
        assert_eq!(f.payload().len(), 28);
    }

    #[test]
    fn short_frame_is_truncated() {
        assert_eq!(
            EthernetFrame::new_checked(&ARP_FRAME[..13]).unwrap_err(),
            HeaderError::Truncated
        );
        assert!(
            EthernetFrame::new_checked(&ARP_FRAME[..14])
                .unwrap()
                .payload()
                .is_empty()
        );
    }

    #[test]
    fn repr_round_trip_and_swap() {
        let f = EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap();
        let repr = EthernetRepr::parse(&f).unwrap();
        let mut out = [0u8; 14];
        let mut g = EthernetFrame::new_unchecked(&mut out[..]);
        repr.emit(&mut g).unwrap();
        assert_eq!(&out[..], &ARP_FRAME[..14]);
        let mut g = EthernetFrame::new_unchecked(&mut out[..]);
        g.swap_addrs();
        assert_eq!(g.dst_addr(), repr.src_addr);
        assert_eq!(g.src_addr(), repr.dst_addr);
        let mut short = [0u8; 10];
        assert!(matches!(
            repr.emit(&mut EthernetFrame::new_unchecked(&mut short[..])),
            Err(HeaderError::BufferTooShort {
                needed: 14,
                available: 10
            })
        ));
    }

    #[test]
    fn address_display_is_clicks() {
        let a = EtherAddress([0x00, 0x05, 0x4e, 0x50, 0x3c, 0x1a]);
        assert_eq!(a.to_string(), "00-05-4E-50-3C-1A");
        assert_eq!(a.colon().to_string(), "00:05:4E:50:3C:1A");
        assert_eq!(format!("{a:?}"), "00-05-4E-50-3C-1A");
    }

    #[test]
    fn address_parse() {
        let a = EtherAddress([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
        assert_eq!("00:11:22:33:44:55".parse(), Ok(a));
        assert_eq!("00-11-22-33-44-55".parse(), Ok(a));
        assert_eq!("0:11:22:33:44:55".parse(), Ok(a));
        assert_eq!(
            "aa:BB:cc:dd:ee:ff".parse(),
            Ok(EtherAddress([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]))
        );
        for bad in [
            "",
            "00:11:22:33:44",
            "00:11:22:33:44:55:66",
            "00:11-22:33:44:55",
            "000:11:22:33:44:55",
            "00:11:22:33:44:",
            "00:11:22:33:44:5g",
            "+0:11:22:33:44:55",
            "001122334455",
        ] {
            assert!(bad.parse::<EtherAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn address_classes() {
        assert!(EtherAddress::BROADCAST.is_broadcast());
        assert!(EtherAddress::BROADCAST.is_multicast());
        assert!(EtherAddress([0x01, 0x00, 0x5e, 0, 0, 1]).is_multicast());
        assert!(!EtherAddress([0x01, 0x00, 0x5e, 0, 0, 1]).is_broadcast());
        assert!(EtherAddress([0x02, 0, 0, 0, 0, 1]).is_local());
        assert!(EtherAddress([0x00, 0, 0, 0, 0, 1]).is_unicast());
        assert!(EtherAddress::ZERO.is_zero());
    }

    #[test]
    fn ethertype_round_trips() {
        for n in [0x0800u16, 0x0806, 0x8100, 0x86dd, 0x88a8, 0x8864, 0x1234] {
            assert_eq!(u16::from(EtherType::from(n)), n);
        }
        assert_eq!(EtherType::Unknown(0x1234).to_string(), "0x1234");
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(data in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Ok(f) = EthernetFrame::new_checked(&data[..]) {
                let _ = (f.dst_addr(), f.src_addr(), f.ethertype(), f.payload());
                let _ = EthernetRepr::parse(&f);
            }
        }

        #[test]
        fn address_display_parses_back(b in any::<[u8; 6]>()) {
            let a = EtherAddress(b);
            prop_assert_eq!(a.to_string().parse::<EtherAddress>(), Ok(a));
            prop_assert_eq!(a.colon().to_string().parse::<EtherAddress>(), Ok(a));
        }
    }
}
