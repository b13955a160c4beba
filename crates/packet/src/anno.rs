//! Annotations: what travels with a packet besides its bytes.
//!
//! Key decision: Click's 48-byte annotation area is kept byte for byte, at
//! Click's offsets, so that configurations naming annotations (`Paint(2,
//! ANNO 20)`, `PaintSwitch(ANNO …)`) mean the same thing here; typed
//! accessors sit on top for the annotations elements use by name. Header
//! positions are buffer offsets stored plus one, so that the all-zero value
//! (what a recycled buffer starts with) means "unset".

use std::fmt;
use std::net::Ipv4Addr;

/// Size of Click's annotation area in bytes.
pub const ANNO_SIZE: usize = 48;

/// Offsets of Click's named annotations in the annotation area
/// (from Click's `packet_anno.hh`).
pub mod offset {
    /// Destination IPv4 address, 4 bytes.
    pub const DST_IP: usize = 0;
    /// Destination IPv6 address, 16 bytes (overlaps `DST_IP`).
    pub const DST_IP6: usize = 0;
    /// Paint color, 1 byte.
    pub const PAINT: usize = 16;
    /// ICMP parameter-problem pointer, 1 byte.
    pub const ICMP_PARAMPROB: usize = 17;
    /// Fix-IP-source flag, 1 byte.
    pub const FIX_IP_SRC: usize = 19;
    /// VLAN TCI, 2 bytes.
    pub const VLAN_TCI: usize = 20;
    /// Aggregate number, 4 bytes (overlaps `VLAN_TCI`).
    pub const AGGREGATE: usize = 20;
    /// Forwarding rate, 4 bytes.
    pub const FWD_RATE: usize = 20;
    /// Extra packets, 4 bytes.
    pub const EXTRA_PACKETS: usize = 24;
    /// Extra length, 4 bytes.
    pub const EXTRA_LENGTH: usize = 28;
    /// Sequence number, 4 bytes (bytes 36-39, as in Click; 32-35 hold
    /// Click's first-timestamp and IPsec annotations).
    pub const SEQUENCE_NUMBER: usize = 36;
}

/// Looks up a Click annotation name (`PAINT`, `DST_IP`, …) and returns its
/// offset and size in bytes.
pub fn named_annotation(name: &str) -> Option<(usize, usize)> {
    Some(match name {
        "DST_IP" => (offset::DST_IP, 4),
        "DST_IP6" => (offset::DST_IP6, 16),
        "PAINT" => (offset::PAINT, 1),
        "ICMP_PARAMPROB" => (offset::ICMP_PARAMPROB, 1),
        "FIX_IP_SRC" => (offset::FIX_IP_SRC, 1),
        "VLAN_TCI" => (offset::VLAN_TCI, 2),
        "AGGREGATE" => (offset::AGGREGATE, 4),
        "FWD_RATE" => (offset::FWD_RATE, 4),
        "EXTRA_PACKETS" => (offset::EXTRA_PACKETS, 4),
        "EXTRA_LENGTH" => (offset::EXTRA_LENGTH, 4),
        "SEQUENCE_NUMBER" => (offset::SEQUENCE_NUMBER, 4),
        _ => return None,
    })
}

/// A point in time, nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// From seconds and nanoseconds.
    pub fn new(sec: u64, nsec: u32) -> Timestamp {
        Timestamp(
            sec.saturating_mul(1_000_000_000)
                .saturating_add(nsec as u64),
        )
    }
    /// Whole seconds.
    pub fn sec(self) -> u64 {
        self.0 / 1_000_000_000
    }
    /// Nanoseconds within the second.
    pub fn nsec(self) -> u32 {
        (self.0 % 1_000_000_000) as u32
    }
    /// Microseconds within the second.
    pub fn usec(self) -> u32 {
        self.nsec() / 1000
    }
}

impl fmt::Display for Timestamp {
    /// Click's format: seconds, a dot, then six digits when the time is a
    /// whole number of microseconds, nine otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nsec().is_multiple_of(1000) {
            write!(f, "{}.{:06}", self.sec(), self.usec())
        } else {
            write!(f, "{}.{:09}", self.sec(), self.nsec())
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Link-level packet type (Click's `PACKET_TYPE` annotation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    #[default]
    Host = 0,
    Broadcast = 1,
    Multicast = 2,
    OtherHost = 3,
    Outgoing = 4,
    Loopback = 5,
    FastRoute = 6,
}

/// Everything carried with a packet besides its bytes.
///
/// All-zero bytes are a valid, cleared value.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Annotations {
    /// When the packet arrived or was made.
    pub timestamp: Timestamp,
    mac_header: u16,
    network_header: u16,
    transport_header: u16,
    packet_type: u8,
    /// Click's annotation area, at Click's offsets (see [`offset`]).
    pub bytes: [u8; ANNO_SIZE],
}

impl Default for Annotations {
    fn default() -> Self {
        Annotations {
            timestamp: Timestamp(0),
            mac_header: 0,
            network_header: 0,
            transport_header: 0,
            packet_type: 0,
            bytes: [0; ANNO_SIZE],
        }
    }
}

fn encode(offset: Option<usize>) -> u16 {
    match offset {
        Some(o) if o < u16::MAX as usize => (o + 1) as u16,
        _ => 0,
    }
}

fn decode(stored: u16) -> Option<usize> {
    (stored as usize).checked_sub(1)
}

impl Annotations {
    /// Paint color (Click's `PAINT` annotation).
    #[inline]
    pub fn paint(&self) -> u8 {
        self.bytes[offset::PAINT]
    }
    #[inline]
    pub fn set_paint(&mut self, color: u8) {
        self.bytes[offset::PAINT] = color;
    }
    /// Destination IPv4 address (Click's `DST_IP` annotation).
    #[inline]
    pub fn dst_ip(&self) -> Ipv4Addr {
        let b = &self.bytes;
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }
    #[inline]
    pub fn set_dst_ip(&mut self, addr: Ipv4Addr) {
        self.bytes[offset::DST_IP..offset::DST_IP + 4].copy_from_slice(&addr.octets());
    }
    /// Reads `N` annotation bytes at `at`, or `None` past the area's end.
    pub fn get<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.bytes.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    /// Writes `value` at `at`; `false` (and nothing written) past the end.
    pub fn set(&mut self, at: usize, value: &[u8]) -> bool {
        match at
            .checked_add(value.len())
            .and_then(|end| self.bytes.get_mut(at..end))
        {
            Some(dst) => {
                dst.copy_from_slice(value);
                true
            }
            None => false,
        }
    }
    /// Link-level packet type.
    pub fn packet_type(&self) -> PacketType {
        match self.packet_type {
            1 => PacketType::Broadcast,
            2 => PacketType::Multicast,
            3 => PacketType::OtherHost,
            4 => PacketType::Outgoing,
            5 => PacketType::Loopback,
            6 => PacketType::FastRoute,
            _ => PacketType::Host,
        }
    }
    pub fn set_packet_type(&mut self, t: PacketType) {
        self.packet_type = t as u8;
    }
    /// Buffer offset of the link-level header, if marked.
    #[inline]
    pub fn mac_header(&self) -> Option<usize> {
        decode(self.mac_header)
    }
    #[inline]
    pub fn set_mac_header(&mut self, buffer_offset: Option<usize>) {
        self.mac_header = encode(buffer_offset);
    }
    /// Buffer offset of the network header, if marked.
    #[inline]
    pub fn network_header(&self) -> Option<usize> {
        decode(self.network_header)
    }
    #[inline]
    pub fn set_network_header(&mut self, buffer_offset: Option<usize>) {
        self.network_header = encode(buffer_offset);
    }
    /// Buffer offset of the transport header, if marked.
    #[inline]
    pub fn transport_header(&self) -> Option<usize> {
        decode(self.transport_header)
    }
    #[inline]
    pub fn set_transport_header(&mut self, buffer_offset: Option<usize>) {
        self.transport_header = encode(buffer_offset);
    }
}

impl fmt::Debug for Annotations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Annotations")
            .field("timestamp", &self.timestamp)
            .field("paint", &self.paint())
            .field("dst_ip", &self.dst_ip())
            .field("mac_header", &self.mac_header())
            .field("network_header", &self.network_header())
            .field("transport_header", &self.transport_header())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_unset() {
        let a = Annotations::default();
        assert_eq!(a.network_header(), None);
        assert_eq!(a.paint(), 0);
        assert_eq!(a.dst_ip(), Ipv4Addr::UNSPECIFIED);
    }

    #[test]
    fn header_offsets_round_trip() {
        let mut a = Annotations::default();
        a.set_network_header(Some(0));
        assert_eq!(a.network_header(), Some(0));
        a.set_transport_header(Some(142));
        assert_eq!(a.transport_header(), Some(142));
        a.set_network_header(None);
        assert_eq!(a.network_header(), None);
    }

    #[test]
    fn named_bytes() {
        let mut a = Annotations::default();
        a.set_dst_ip(Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(a.get::<4>(offset::DST_IP), Some([10, 0, 0, 1]));
        assert!(a.set(offset::PAINT, &[9]));
        assert_eq!(a.paint(), 9);
        assert!(!a.set(47, &[1, 2]));
        assert_eq!(a.get::<2>(47), None);
        assert_eq!(named_annotation("PAINT"), Some((16, 1)));
    }

    #[test]
    fn timestamp_display() {
        assert_eq!(Timestamp::new(12, 5).to_string(), "12.000000005");
        assert_eq!(Timestamp::new(12, 5000).to_string(), "12.000005");
    }
}
