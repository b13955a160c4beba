//! ARP packets (RFC 826).
//!
//! Key decision: the view handles any hardware and protocol address
//! lengths (offsets come from the length fields, through checked slices),
//! while [`ArpRepr`] is Ethernet/IPv4 only — the only kind middleboxes
//! answer — and refuses others as `Unsupported`.

use core::net::Ipv4Addr;

use crate::error::{HeaderError, ensure_room};
use crate::ether::{EtherAddress, EtherType};
use crate::wire::{read_u16, slice, slice_mut, write_u16};

/// Field offsets of the fixed part of an ARP packet; the addresses follow
/// at offsets computed from the two length fields.
pub mod field {
    use crate::wire::Field;
    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;
    /// Start of the sender hardware address.
    pub const ADDRESSES: usize = 8;
}

/// Length of the fixed part.
pub const FIXED_LEN: usize = field::ADDRESSES;
/// Length of an Ethernet/IPv4 ARP packet.
pub const ETHERNET_IPV4_LEN: usize = FIXED_LEN + 2 * (6 + 4);

/// ARP hardware type (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpHardware {
    /// Ethernet (1).
    Ethernet,
    Unknown(u16),
}

impl From<u16> for ArpHardware {
    fn from(n: u16) -> Self {
        match n {
            1 => ArpHardware::Ethernet,
            n => ArpHardware::Unknown(n),
        }
    }
}

impl From<ArpHardware> for u16 {
    fn from(h: ArpHardware) -> u16 {
        match h {
            ArpHardware::Ethernet => 1,
            ArpHardware::Unknown(n) => n,
        }
    }
}

/// ARP operation (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpOperation {
    Request,
    Reply,
    /// Reverse ARP request (3, RFC 903).
    RarpRequest,
    /// Reverse ARP reply (4, RFC 903).
    RarpReply,
    Unknown(u16),
}

impl From<u16> for ArpOperation {
    fn from(n: u16) -> Self {
        match n {
            1 => ArpOperation::Request,
            2 => ArpOperation::Reply,
            3 => ArpOperation::RarpRequest,
            4 => ArpOperation::RarpReply,
            n => ArpOperation::Unknown(n),
        }
    }
}

impl From<ArpOperation> for u16 {
    fn from(o: ArpOperation) -> u16 {
        match o {
            ArpOperation::Request => 1,
            ArpOperation::Reply => 2,
            ArpOperation::RarpRequest => 3,
            ArpOperation::RarpReply => 4,
            ArpOperation::Unknown(n) => n,
        }
    }
}

/// A view of an ARP packet.
///
/// After [`ArpPacket::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 8 bytes (address accessors never do).
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Wraps a buffer holding the fixed part and the four addresses its
    /// length fields announce.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), HeaderError> {
        let len = self.buffer.as_ref().len();
        if len < FIXED_LEN || len < self.packet_len() {
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
    pub fn hardware_type(&self) -> ArpHardware {
        ArpHardware::from(read_u16(self.b(), field::HTYPE.start))
    }

    #[inline]
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(read_u16(self.b(), field::PTYPE.start))
    }

    #[inline]
    pub fn hardware_len(&self) -> u8 {
        self.b()[field::HLEN]
    }

    #[inline]
    pub fn protocol_len(&self) -> u8 {
        self.b()[field::PLEN]
    }

    #[inline]
    pub fn operation(&self) -> ArpOperation {
        ArpOperation::from(read_u16(self.b(), field::OPER.start))
    }

    /// Length the length fields announce: 8 + 2 × (hlen + plen).
    #[inline]
    pub fn packet_len(&self) -> usize {
        match self.b().get(field::HLEN..=field::PLEN) {
            Some([h, p]) => FIXED_LEN + 2 * (usize::from(*h) + usize::from(*p)),
            _ => FIXED_LEN,
        }
    }

    /// Offsets of the four addresses: sender hw, sender proto, target hw,
    /// target proto, and the end.
    #[inline]
    fn offsets(&self) -> [usize; 5] {
        let (h, p) = match self.b().get(field::HLEN..=field::PLEN) {
            Some([h, p]) => (usize::from(*h), usize::from(*p)),
            _ => (0, 0),
        };
        let sha = FIXED_LEN;
        [
            sha,
            sha + h,
            sha + h + p,
            sha + 2 * h + p,
            sha + 2 * (h + p),
        ]
    }

    #[inline]
    pub fn source_hardware_addr(&self) -> &[u8] {
        let o = self.offsets();
        slice(self.b(), o[0], o[1])
    }

    #[inline]
    pub fn source_protocol_addr(&self) -> &[u8] {
        let o = self.offsets();
        slice(self.b(), o[1], o[2])
    }

    #[inline]
    pub fn target_hardware_addr(&self) -> &[u8] {
        let o = self.offsets();
        slice(self.b(), o[2], o[3])
    }

    #[inline]
    pub fn target_protocol_addr(&self) -> &[u8] {
        let o = self.offsets();
        slice(self.b(), o[3], o[4])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    #[inline]
    pub fn set_hardware_type(&mut self, h: ArpHardware) {
        write_u16(self.buffer.as_mut(), field::HTYPE.start, h.into());
    }

    #[inline]
    pub fn set_protocol_type(&mut self, t: EtherType) {
        write_u16(self.buffer.as_mut(), field::PTYPE.start, t.into());
    }

    #[inline]
    pub fn set_hardware_len(&mut self, n: u8) {
        self.buffer.as_mut()[field::HLEN] = n;
    }

    #[inline]
    pub fn set_protocol_len(&mut self, n: u8) {
        self.buffer.as_mut()[field::PLEN] = n;
    }

    #[inline]
    pub fn set_operation(&mut self, op: ArpOperation) {
        write_u16(self.buffer.as_mut(), field::OPER.start, op.into());
    }

    /// Copies `addr` into address slot `which` (0–3) if the lengths match;
    /// returns whether it did.
    fn set_addr(&mut self, which: usize, addr: &[u8]) -> bool {
        let o = self.offsets();
        let dst = slice_mut(self.buffer.as_mut(), o[which], o[which + 1]);
        if dst.len() == addr.len() {
            dst.copy_from_slice(addr);
            true
        } else {
            false
        }
    }

    /// Sets the sender hardware address; false (nothing written) if its
    /// length is not the hardware length or the buffer is short.
    #[inline]
    pub fn set_source_hardware_addr(&mut self, addr: &[u8]) -> bool {
        self.set_addr(0, addr)
    }

    #[inline]
    pub fn set_source_protocol_addr(&mut self, addr: &[u8]) -> bool {
        self.set_addr(1, addr)
    }

    #[inline]
    pub fn set_target_hardware_addr(&mut self, addr: &[u8]) -> bool {
        self.set_addr(2, addr)
    }

    #[inline]
    pub fn set_target_protocol_addr(&mut self, addr: &[u8]) -> bool {
        self.set_addr(3, addr)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for ArpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// An Ethernet/IPv4 ARP packet's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    pub operation: ArpOperation,
    pub source_hardware_addr: EtherAddress,
    pub source_protocol_addr: Ipv4Addr,
    pub target_hardware_addr: EtherAddress,
    pub target_protocol_addr: Ipv4Addr,
}

impl ArpRepr {
    /// Reads an Ethernet/IPv4 packet; other hardware or protocol types, or
    /// lengths other than 6 and 4, are `Unsupported`.
    pub fn parse<T: AsRef<[u8]>>(p: &ArpPacket<T>) -> Result<ArpRepr, HeaderError> {
        p.check_len()?;
        if p.hardware_type() != ArpHardware::Ethernet
            || p.protocol_type() != EtherType::Ipv4
            || p.hardware_len() != 6
            || p.protocol_len() != 4
        {
            return Err(HeaderError::Unsupported("ARP other than Ethernet/IPv4"));
        }
        let ip = |s: &[u8]| -> Result<Ipv4Addr, HeaderError> {
            let b: [u8; 4] = s.try_into().map_err(|_| HeaderError::Truncated)?;
            Ok(Ipv4Addr::from(b))
        };
        let eth = |s: &[u8]| EtherAddress::from_bytes(s).ok_or(HeaderError::Truncated);
        Ok(ArpRepr {
            operation: p.operation(),
            source_hardware_addr: eth(p.source_hardware_addr())?,
            source_protocol_addr: ip(p.source_protocol_addr())?,
            target_hardware_addr: eth(p.target_hardware_addr())?,
            target_protocol_addr: ip(p.target_protocol_addr())?,
        })
    }

    /// A request: who has `target_ip`? tell `sender`.
    pub fn request(sender_mac: EtherAddress, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> ArpRepr {
        ArpRepr {
            operation: ArpOperation::Request,
            source_hardware_addr: sender_mac,
            source_protocol_addr: sender_ip,
            target_hardware_addr: EtherAddress::ZERO,
            target_protocol_addr: target_ip,
        }
    }

    /// The reply to this request, from `mac` (what Click's `ARPResponder`
    /// sends): operation reply, sender = (`mac`, the asked-for address),
    /// target = the asker.
    pub fn reply_from(&self, mac: EtherAddress) -> ArpRepr {
        ArpRepr {
            operation: ArpOperation::Reply,
            source_hardware_addr: mac,
            source_protocol_addr: self.target_protocol_addr,
            target_hardware_addr: self.source_hardware_addr,
            target_protocol_addr: self.source_protocol_addr,
        }
    }

    #[inline]
    pub const fn buffer_len(&self) -> usize {
        ETHERNET_IPV4_LEN
    }

    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut ArpPacket<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), ETHERNET_IPV4_LEN)?;
        p.set_hardware_type(ArpHardware::Ethernet);
        p.set_protocol_type(EtherType::Ipv4);
        p.set_hardware_len(6);
        p.set_protocol_len(4);
        p.set_operation(self.operation);
        p.set_source_hardware_addr(&self.source_hardware_addr.0);
        p.set_source_protocol_addr(&self.source_protocol_addr.octets());
        p.set_target_hardware_addr(&self.target_hardware_addr.0);
        p.set_target_protocol_addr(&self.target_protocol_addr.octets());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ether::EthernetFrame;
    use proptest::prelude::*;

    /// Broadcast "who has 10.0.0.2? tell 10.0.0.1" from 52:54:00:12:34:56.
    static ARP_REQUEST: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
    ];
    const ASKER: EtherAddress = EtherAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

    #[test]
    fn reads_request() {
        let eth = EthernetFrame::new_checked(&ARP_REQUEST[..]).unwrap();
        let arp = ArpPacket::new_checked(eth.payload()).unwrap();
        assert_eq!(arp.hardware_type(), ArpHardware::Ethernet);
        assert_eq!(arp.protocol_type(), EtherType::Ipv4);
        assert_eq!((arp.hardware_len(), arp.protocol_len()), (6, 4));
        assert_eq!(arp.operation(), ArpOperation::Request);
        assert_eq!(arp.source_hardware_addr(), &ASKER.0);
        assert_eq!(arp.source_protocol_addr(), &[10, 0, 0, 1]);
        assert_eq!(arp.target_hardware_addr(), &[0; 6]);
        assert_eq!(arp.target_protocol_addr(), &[10, 0, 0, 2]);
        let repr = ArpRepr::parse(&arp).unwrap();
        assert_eq!(
            repr,
            ArpRepr::request(
                ASKER,
                Ipv4Addr::new(10, 0, 0, 1),
                Ipv4Addr::new(10, 0, 0, 2)
            )
        );
    }

    #[test]
    fn emit_request_and_reply() {
        let repr = ArpRepr::parse(&ArpPacket::new_checked(&ARP_REQUEST[14..]).unwrap()).unwrap();
        let mut out = [0u8; 28];
        repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]))
            .unwrap();
        assert_eq!(&out[..], &ARP_REQUEST[14..]);
        let me = EtherAddress([0x02, 0, 0, 0, 0, 2]);
        let reply = repr.reply_from(me);
        reply
            .emit(&mut ArpPacket::new_unchecked(&mut out[..]))
            .unwrap();
        let back = ArpRepr::parse(&ArpPacket::new_checked(&out[..]).unwrap()).unwrap();
        assert_eq!(back.operation, ArpOperation::Reply);
        assert_eq!(back.source_protocol_addr, Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(back.target_hardware_addr, ASKER);
    }

    #[test]
    fn length_and_type_checks() {
        let body = &ARP_REQUEST[14..];
        assert_eq!(
            ArpPacket::new_checked(&body[..27]).unwrap_err(),
            HeaderError::Truncated
        );
        assert_eq!(
            ArpPacket::new_checked(&body[..7]).unwrap_err(),
            HeaderError::Truncated
        );
        let mut other = body.to_vec();
        other[4] = 8;
        assert_eq!(
            ArpPacket::new_checked(&other[..]).unwrap_err(),
            HeaderError::Truncated
        );
        other.extend_from_slice(&[0; 4]);
        let p = ArpPacket::new_checked(&other[..]).unwrap();
        assert_eq!(p.source_hardware_addr().len(), 8);
        assert!(matches!(
            ArpRepr::parse(&p),
            Err(HeaderError::Unsupported(_))
        ));
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..80)) {
            if data.len() > 5 {
                data[4] %= 16;
                data[5] %= 16;
            }
            if let Ok(mut p) = ArpPacket::new_checked(&mut data[..]) {
                let _ = (p.hardware_type(), p.protocol_type(), p.hardware_len(), p.protocol_len());
                let _ = (p.operation(), p.packet_len(), p.source_hardware_addr(), p.source_protocol_addr());
                let _ = (p.target_hardware_addr(), p.target_protocol_addr(), ArpRepr::parse(&p));
                let _ = p.set_target_protocol_addr(&[1, 2, 3, 4]);
            }
        }
    }
}
