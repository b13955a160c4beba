//! Packets for Switchyard: pooled buffers, batches, annotations, and
//! zero-copy, length-checked views of the protocol headers middleboxes read
//! and write.
//!
//! Key decision: a packet is one pointer to a buffer that holds its
//! annotations and bytes together; buffers recycle through a per-thread pool
//! so that the data path never allocates once warm.
//!
//! Header views follow one pattern (smoltcp's): `XPacket<T: AsRef<[u8]>>`
//! wraps bytes without copying; `new_checked` proves the lengths the header
//! claims are present, after which no accessor panics; setters need
//! `T: AsMut<[u8]>`; `XRepr` is the parsed value with `parse`, `emit` and
//! `buffer_len`. Every failure is a [`HeaderError`].

pub mod anno;
pub mod arp;
pub mod batch;
pub mod buffer;
pub mod checksum;
pub mod error;
pub mod ether;
pub mod icmp;
pub mod icmpv6;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod tcp;
pub mod udp;
pub mod vlan;
mod wire;

pub use anno::{Annotations, PacketType, Timestamp};
pub use arp::{ArpOperation, ArpPacket, ArpRepr};
pub use batch::{MAX_BATCH, PacketBatch};
pub use buffer::{BUFFER_CAPACITY, BufferError, DEFAULT_HEADROOM, MAX_PACKET_LEN, Packet, prewarm};
pub use error::HeaderError;
pub use ether::{EtherAddress, EtherType, EthernetFrame, EthernetRepr};
pub use icmp::{Icmpv4Message, Icmpv4Packet, Icmpv4Repr};
pub use icmpv6::{Icmpv6Message, Icmpv6Packet, Icmpv6Repr};
pub use ip::IpProtocol;
pub use ipv4::{Ipv4Packet, Ipv4Repr};
pub use ipv6::{Ipv6Packet, Ipv6Repr};
pub use tcp::{TcpFlags, TcpPacket, TcpRepr};
pub use udp::{UdpPacket, UdpRepr};
pub use vlan::{VlanPacket, VlanRepr};
