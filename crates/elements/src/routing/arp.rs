//! ARP frame layout shared by `ARPResponder` and `ARPQuerier`: Ethernet
//! frames carrying IPv4-over-Ethernet ARP (RFC 826).

use std::net::Ipv4Addr;

/// Length of an Ethernet ARP frame for IPv4 (without padding).
pub const ARP_FRAME: usize = 42;

/// The fields of an IPv4-over-Ethernet ARP frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sender_eth: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_eth: [u8; 6],
    pub target_ip: Ipv4Addr,
}

/// Reads an Ethernet frame as IPv4 ARP; `None` for anything else.
pub fn parse(frame: &[u8]) -> Option<Arp> {
    let f = frame.get(..ARP_FRAME)?;
    if f[12..14] != [0x08, 0x06]
        || f[14..16] != [0, 1]
        || f[16..18] != [8, 0]
        || f[18] != 6
        || f[19] != 4
    {
        return None;
    }
    let eth = |at: usize| -> [u8; 6] { f[at..at + 6].try_into().expect("6 bytes") };
    let ip = |at: usize| Ipv4Addr::new(f[at], f[at + 1], f[at + 2], f[at + 3]);
    Some(Arp {
        op: u16::from_be_bytes([f[20], f[21]]),
        sender_eth: eth(22),
        sender_ip: ip(28),
        target_eth: eth(32),
        target_ip: ip(38),
    })
}

/// Writes an ARP frame from `src_eth` to `dst_eth` into `f` (at least
/// [`ARP_FRAME`] bytes).
pub fn write(f: &mut [u8], dst_eth: [u8; 6], src_eth: [u8; 6], a: &Arp) {
    f[0..6].copy_from_slice(&dst_eth);
    f[6..12].copy_from_slice(&src_eth);
    f[12..14].copy_from_slice(&[0x08, 0x06]);
    f[14..20].copy_from_slice(&[0, 1, 8, 0, 6, 4]);
    f[20..22].copy_from_slice(&a.op.to_be_bytes());
    f[22..28].copy_from_slice(&a.sender_eth);
    f[28..32].copy_from_slice(&a.sender_ip.octets());
    f[32..38].copy_from_slice(&a.target_eth);
    f[38..42].copy_from_slice(&a.target_ip.octets());
}
