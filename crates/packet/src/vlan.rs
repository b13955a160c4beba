//! IEEE 802.1Q VLAN tags.
//!
//! Key decision: the view starts at the tag control information — the
//! bytes after an Ethernet header whose EtherType is `Vlan` (or `QinQ`) —
//! so a tag stack is walked by wrapping each view's payload in the next,
//! exactly as Ethernet payloads are wrapped; nothing here moves bytes.

use crate::error::{HeaderError, ensure_room};
use crate::ether::EtherType;
use crate::wire::{read_u16, slice, slice_mut, write_u16};

/// Field offsets of an 802.1Q tag, after the tag protocol identifier.
pub mod field {
    use crate::wire::{Field, Rest};
    /// Tag control information: PCP (3 bits), DEI (1 bit), VID (12 bits).
    pub const TCI: Field = 0..2;
    /// EtherType of what the tag encloses.
    pub const ETHERTYPE: Field = 2..4;
    pub const PAYLOAD: Rest = 4..;
}

/// Length of the tag after the TPID.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A view of an 802.1Q tag and what follows it.
///
/// After [`VlanPacket::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct VlanPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanPacket<T> {
    /// Wraps a buffer without checking it; accessors panic if it is
    /// shorter than 4 bytes.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        VlanPacket { buffer }
    }

    /// Wraps a buffer holding a whole tag.
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

    /// The whole tag control information (Click's `VLAN_TCI` annotation
    /// holds this value).
    #[inline]
    pub fn tci(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::TCI.start)
    }

    /// Priority code point (0–7).
    #[inline]
    pub fn pcp(&self) -> u8 {
        (self.tci() >> 13) as u8
    }

    /// Drop eligible indicator.
    #[inline]
    pub fn dei(&self) -> bool {
        self.tci() & 0x1000 != 0
    }

    /// VLAN identifier (0–4095).
    #[inline]
    pub fn vid(&self) -> u16 {
        self.tci() & 0x0fff
    }

    /// EtherType of the enclosed payload.
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(read_u16(self.buffer.as_ref(), field::ETHERTYPE.start))
    }

    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        slice(b, HEADER_LEN, b.len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanPacket<T> {
    #[inline]
    pub fn set_tci(&mut self, tci: u16) {
        write_u16(self.buffer.as_mut(), field::TCI.start, tci);
    }

    #[inline]
    pub fn set_pcp(&mut self, pcp: u8) {
        let tci = (self.tci() & 0x1fff) | (u16::from(pcp & 7) << 13);
        self.set_tci(tci);
    }

    #[inline]
    pub fn set_dei(&mut self, dei: bool) {
        let tci = (self.tci() & !0x1000) | if dei { 0x1000 } else { 0 };
        self.set_tci(tci);
    }

    /// Sets the VLAN identifier (only the low 12 bits are used).
    #[inline]
    pub fn set_vid(&mut self, vid: u16) {
        let tci = (self.tci() & 0xf000) | (vid & 0x0fff);
        self.set_tci(tci);
    }

    #[inline]
    pub fn set_ethertype(&mut self, t: EtherType) {
        write_u16(self.buffer.as_mut(), field::ETHERTYPE.start, t.into());
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        let end = b.len();
        slice_mut(b, HEADER_LEN, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for VlanPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parsed content of an 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanRepr {
    pub pcp: u8,
    pub dei: bool,
    /// VLAN identifier; only the low 12 bits are emitted.
    pub vid: u16,
    pub ethertype: EtherType,
}

impl VlanRepr {
    pub fn parse<T: AsRef<[u8]>>(p: &VlanPacket<T>) -> Result<VlanRepr, HeaderError> {
        p.check_len()?;
        Ok(VlanRepr {
            pcp: p.pcp(),
            dei: p.dei(),
            vid: p.vid(),
            ethertype: p.ethertype(),
        })
    }

    /// The TCI these fields make.
    #[inline]
    pub fn tci(&self) -> u16 {
        (u16::from(self.pcp & 7) << 13) | (u16::from(self.dei) << 12) | (self.vid & 0x0fff)
    }

    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the tag; the payload is left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut VlanPacket<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        p.set_tci(self.tci());
        p.set_ethertype(self.ethertype);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ether::EthernetFrame;
    use proptest::prelude::*;

    /// A tagged frame: VLAN 100, priority 5, carrying IPv4 (first bytes).
    static TAGGED: [u8; 22] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x81, 0x00, 0xa0,
        0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x14,
    ];

    #[test]
    fn reads_tag_inside_ethernet() {
        let eth = EthernetFrame::new_checked(&TAGGED[..]).unwrap();
        assert_eq!(eth.ethertype(), EtherType::Vlan);
        let tag = VlanPacket::new_checked(eth.payload()).unwrap();
        assert_eq!(tag.tci(), 0xa064);
        assert_eq!(tag.pcp(), 5);
        assert!(!tag.dei());
        assert_eq!(tag.vid(), 100);
        assert_eq!(tag.ethertype(), EtherType::Ipv4);
        assert_eq!(tag.payload(), &[0x45, 0x00, 0x00, 0x14]);
    }

    #[test]
    fn repr_round_trip_and_setters() {
        let tag = VlanPacket::new_checked(&TAGGED[14..]).unwrap();
        let repr = VlanRepr::parse(&tag).unwrap();
        assert_eq!(repr.tci(), 0xa064);
        let mut out = [0u8; 4];
        let mut v = VlanPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut v).unwrap();
        assert_eq!(&out[..], &TAGGED[14..18]);
        let mut v = VlanPacket::new_unchecked(&mut out[..]);
        v.set_vid(0xfff);
        v.set_dei(true);
        v.set_pcp(1);
        assert_eq!(v.tci(), 0x3fff);
        assert_eq!(
            VlanPacket::new_checked(&out[..3]).unwrap_err(),
            HeaderError::Truncated
        );
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(data in proptest::collection::vec(any::<u8>(), 0..12)) {
            if let Ok(v) = VlanPacket::new_checked(&data[..]) {
                let _ = (v.tci(), v.pcp(), v.dei(), v.vid(), v.ethertype(), v.payload());
                let repr = VlanRepr::parse(&v).unwrap();
                prop_assert_eq!(repr.tci(), v.tci());
            }
        }
    }
}
