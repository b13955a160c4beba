//! IPv4 headers (RFC 791): a view, options, and a `Repr`.
//!
//! Key decision: [`Ipv4Packet::new_checked`] proves the whole datagram is
//! present (IHL and total length both fit), while
//! [`Ipv4Packet::new_checked_header`] proves only the header is present —
//! what an ICMP error quotes, or a capture cut short — and every accessor
//! clamps to the buffer, so neither kind of checked view can panic.
//! Incremental checksum setters ([`Ipv4Packet::decrement_ttl`],
//! [`Ipv4Packet::set_src_addr_incremental`]) exist so that forwarding and
//! NAT never re-sum the header.

use core::fmt;
use core::net::Ipv4Addr;

use crate::checksum;
use crate::error::{HeaderError, ensure_room};
use crate::ip::IpProtocol;
use crate::wire::{read_u16, read_u32, slice, slice_mut, write_u16, write_u32};

/// Field offsets of the IPv4 header.
pub mod field {
    use crate::wire::{Field, Rest};
    /// Version (high nibble) and header length in 32-bit words (low nibble).
    pub const VER_IHL: usize = 0;
    /// Type of service: DSCP (high six bits) and ECN (low two bits).
    pub const TOS: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    /// Flags (high three bits) and fragment offset in 8-byte units.
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
    /// Options, up to the header length.
    pub const OPTIONS: Rest = 20..;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::OPTIONS.start;
/// Longest possible IPv4 header (IHL 15).
pub const MAX_HEADER_LEN: usize = 60;

const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

/// A view of an IPv4 datagram.
///
/// After [`Ipv4Packet::new_checked`] or [`Ipv4Packet::new_checked_header`]
/// succeeds, no accessor panics, whatever the bytes say; the setters panic
/// only when given a buffer too short for the fixed 20-byte header.
#[derive(Debug, Clone)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 20 bytes (variable-length parts never do).
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wraps a buffer holding a whole datagram: version 4, IHL at least 5,
    /// header within the buffer, total length at least the header length and
    /// within the buffer (bytes past it, such as Ethernet padding, are
    /// allowed and ignored by [`payload`](Self::payload)).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Wraps a buffer holding at least a whole header (version 4, IHL at
    /// least 5, header within the buffer) but perhaps not the whole
    /// datagram, as in the quote inside an ICMP error. The payload is then
    /// whatever follows the header, up to the total length.
    #[inline]
    pub fn new_checked_header(buffer: T) -> Result<Self, HeaderError> {
        let p = Self::new_unchecked(buffer);
        p.check_header_len()?;
        Ok(p)
    }

    /// The checks of [`new_checked_header`](Self::new_checked_header).
    pub fn check_header_len(&self) -> Result<(), HeaderError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(HeaderError::Truncated);
        }
        if self.version() != 4 {
            return Err(HeaderError::Malformed("IP version is not 4"));
        }
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return Err(HeaderError::Malformed("IP header length below 20"));
        }
        if len < hl {
            return Err(HeaderError::Truncated);
        }
        Ok(())
    }

    /// The checks of [`new_checked`](Self::new_checked).
    pub fn check_len(&self) -> Result<(), HeaderError> {
        self.check_header_len()?;
        let total = usize::from(self.total_len());
        if total < self.header_len() {
            return Err(HeaderError::Malformed(
                "IP total length below header length",
            ));
        }
        if self.buffer.as_ref().len() < total {
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

    /// IP version (4 for a checked view).
    #[inline]
    pub fn version(&self) -> u8 {
        self.b()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.b()[field::VER_IHL] & 0x0f) * 4
    }

    /// The whole type-of-service byte (Click's `ip_tos`).
    #[inline]
    pub fn tos(&self) -> u8 {
        self.b()[field::TOS]
    }

    /// Differentiated services code point.
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.tos() >> 2
    }

    /// Explicit congestion notification bits.
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.tos() & 0x03
    }

    /// Total length of the datagram, header included, as the header says.
    #[inline]
    pub fn total_len(&self) -> u16 {
        read_u16(self.b(), field::LENGTH.start)
    }

    #[inline]
    pub fn ident(&self) -> u16 {
        read_u16(self.b(), field::IDENT.start)
    }

    #[inline]
    fn flags_offset(&self) -> u16 {
        read_u16(self.b(), field::FLG_OFF.start)
    }

    /// The reserved ("evil") flag bit.
    #[inline]
    pub fn reserved_flag(&self) -> bool {
        self.flags_offset() & 0x8000 != 0
    }

    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.flags_offset() & FLAG_DF != 0
    }

    #[inline]
    pub fn more_frags(&self) -> bool {
        self.flags_offset() & FLAG_MF != 0
    }

    /// Fragment offset in bytes (the field × 8).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        (self.flags_offset() & OFFSET_MASK) << 3
    }

    /// True for any fragment: more-fragments set or a non-zero offset.
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.flags_offset() & (FLAG_MF | OFFSET_MASK) != 0
    }

    #[inline]
    pub fn ttl(&self) -> u8 {
        self.b()[field::TTL]
    }

    #[inline]
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol::from(self.b()[field::PROTOCOL])
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.b(), field::CHECKSUM.start)
    }

    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(read_u32(self.b(), field::SRC_ADDR.start))
    }

    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(read_u32(self.b(), field::DST_ADDR.start))
    }

    /// The header, options included (empty if the header length does not
    /// fit the buffer, which a checked view rules out).
    #[inline]
    pub fn header(&self) -> &[u8] {
        slice(self.b(), 0, self.header_len())
    }

    /// True when the header checksum is correct.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        let h = self.header();
        !h.is_empty() && checksum::verify(h)
    }

    /// The option bytes, between the fixed header and the header length.
    #[inline]
    pub fn options(&self) -> &[u8] {
        slice(self.b(), HEADER_LEN, self.header_len())
    }

    /// The options, one by one.
    #[inline]
    pub fn options_iter(&self) -> Ipv4OptionsIter<'_> {
        Ipv4OptionsIter::new(self.options())
    }

    /// Offset just past the payload: the total length, or the buffer's end
    /// if that comes first.
    #[inline]
    fn payload_end(&self) -> usize {
        usize::from(self.total_len()).min(self.b().len())
    }

    /// The bytes after the header, up to the total length (Ethernet padding
    /// after it is excluded; a truncated quote gives what is there).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        slice(self.b(), self.header_len(), self.payload_end())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    #[inline]
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    #[inline]
    pub fn set_version(&mut self, v: u8) {
        let b = self.bm();
        b[field::VER_IHL] = (b[field::VER_IHL] & 0x0f) | (v << 4);
    }

    /// Sets the header length in bytes; it is stored in 32-bit words, so it
    /// is rounded down to a multiple of four (and capped at 60).
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let words = (len / 4).min(15) as u8;
        let b = self.bm();
        b[field::VER_IHL] = (b[field::VER_IHL] & 0xf0) | words;
    }

    #[inline]
    pub fn set_tos(&mut self, tos: u8) {
        self.bm()[field::TOS] = tos;
    }

    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = self.bm();
        b[field::TOS] = (b[field::TOS] & 0x03) | (dscp << 2);
    }

    #[inline]
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = self.bm();
        b[field::TOS] = (b[field::TOS] & 0xfc) | (ecn & 0x03);
    }

    #[inline]
    pub fn set_total_len(&mut self, len: u16) {
        write_u16(self.bm(), field::LENGTH.start, len);
    }

    #[inline]
    pub fn set_ident(&mut self, ident: u16) {
        write_u16(self.bm(), field::IDENT.start, ident);
    }

    #[inline]
    fn set_flags_offset(&mut self, v: u16) {
        write_u16(self.bm(), field::FLG_OFF.start, v);
    }

    /// Clears all three flag bits.
    #[inline]
    pub fn clear_flags(&mut self) {
        let v = self.flags_offset() & OFFSET_MASK;
        self.set_flags_offset(v);
    }

    #[inline]
    pub fn set_dont_frag(&mut self, on: bool) {
        let v = self.flags_offset();
        self.set_flags_offset(if on { v | FLAG_DF } else { v & !FLAG_DF });
    }

    #[inline]
    pub fn set_more_frags(&mut self, on: bool) {
        let v = self.flags_offset();
        self.set_flags_offset(if on { v | FLAG_MF } else { v & !FLAG_MF });
    }

    /// Sets the fragment offset in bytes (rounded down to a multiple of 8).
    #[inline]
    pub fn set_frag_offset(&mut self, bytes: u16) {
        let v = (self.flags_offset() & !OFFSET_MASK) | ((bytes >> 3) & OFFSET_MASK);
        self.set_flags_offset(v);
    }

    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.bm()[field::TTL] = ttl;
    }

    #[inline]
    pub fn set_protocol(&mut self, p: IpProtocol) {
        self.bm()[field::PROTOCOL] = p.into();
    }

    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        write_u16(self.bm(), field::CHECKSUM.start, c);
    }

    #[inline]
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        write_u32(self.bm(), field::SRC_ADDR.start, a.to_bits());
    }

    #[inline]
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        write_u32(self.bm(), field::DST_ADDR.start, a.to_bits());
    }

    /// Recomputes the header checksum over the header length.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.header());
        self.set_checksum(c);
    }

    /// Decrements the TTL and updates the checksum incrementally exactly as
    /// Click's `DecIPTTL` does. Leaves a TTL of 0 alone and returns false.
    #[inline]
    pub fn decrement_ttl(&mut self) -> bool {
        let ttl = self.ttl();
        if ttl == 0 {
            return false;
        }
        self.set_ttl(ttl - 1);
        let c = checksum::decrement_ttl(self.checksum());
        self.set_checksum(c);
        true
    }

    /// Sets the source address and updates the header checksum
    /// incrementally. A TCP or UDP checksum covering this address through
    /// the pseudo-header needs `checksum::update_u32` with the same pair.
    #[inline]
    pub fn set_src_addr_incremental(&mut self, a: Ipv4Addr) {
        let old = self.src_addr();
        self.set_src_addr(a);
        let c = checksum::update_u32(self.checksum(), old.to_bits(), a.to_bits());
        self.set_checksum(c);
    }

    /// Sets the destination address and updates the header checksum
    /// incrementally (see [`set_src_addr_incremental`](Self::set_src_addr_incremental)).
    #[inline]
    pub fn set_dst_addr_incremental(&mut self, a: Ipv4Addr) {
        let old = self.dst_addr();
        self.set_dst_addr(a);
        let c = checksum::update_u32(self.checksum(), old.to_bits(), a.to_bits());
        self.set_checksum(c);
    }

    /// Sets the TOS byte and updates the header checksum incrementally.
    #[inline]
    pub fn set_tos_incremental(&mut self, tos: u8) {
        let b = self.b();
        let old = u16::from_be_bytes([b[field::VER_IHL], b[field::TOS]]);
        self.set_tos(tos);
        let b = self.b();
        let new = u16::from_be_bytes([b[field::VER_IHL], b[field::TOS]]);
        let c = checksum::update_u16(self.checksum(), old, new);
        self.set_checksum(c);
    }

    /// The option bytes, writable.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        slice_mut(self.bm(), HEADER_LEN, hl)
    }

    /// The payload, writable (same extent as [`payload`](Self::payload)).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (hl, end) = (self.header_len(), self.payload_end());
        slice_mut(self.bm(), hl, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// One IPv4 option (RFC 791 §3.1 and the IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv4Option<'a> {
    /// End of option list (0); the iterator stops after it.
    EndOfList,
    /// No operation (1).
    NoOperation,
    /// Record route (7): pointer and route data.
    RecordRoute { pointer: u8, data: &'a [u8] },
    /// Internet timestamp (68): pointer, overflow/flags byte, data.
    Timestamp {
        pointer: u8,
        oflw_flags: u8,
        data: &'a [u8],
    },
    /// Loose source and record route (131).
    LooseSourceRoute { pointer: u8, data: &'a [u8] },
    /// Strict source and record route (137).
    StrictSourceRoute { pointer: u8, data: &'a [u8] },
    /// Router alert (148, RFC 2113).
    RouterAlert(u16),
    /// Any other option: its type byte and the bytes after its length.
    Unknown { kind: u8, data: &'a [u8] },
}

/// Iterator over IPv4 options. Yields `Err` once for a malformed option
/// (bad length, or running past the header) and then stops.
#[derive(Debug, Clone)]
pub struct Ipv4OptionsIter<'a> {
    data: &'a [u8],
    pos: usize,
    last: usize,
}

impl<'a> Ipv4OptionsIter<'a> {
    /// Iterates over raw option bytes.
    #[inline]
    pub fn new(data: &'a [u8]) -> Self {
        Ipv4OptionsIter {
            data,
            pos: 0,
            last: 0,
        }
    }

    /// Offset, within the options, of the option last returned (for ICMP
    /// parameter-problem pointers: add 20 for the offset in the header).
    #[inline]
    pub fn last_offset(&self) -> usize {
        self.last
    }
}

impl<'a> Iterator for Ipv4OptionsIter<'a> {
    type Item = Result<Ipv4Option<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        let (&kind, after) = rest.split_first()?;
        self.last = self.pos;
        match kind {
            0 => {
                self.pos = self.data.len();
                return Some(Ok(Ipv4Option::EndOfList));
            }
            1 => {
                self.pos += 1;
                return Some(Ok(Ipv4Option::NoOperation));
            }
            _ => {}
        }
        let fail = |it: &mut Self, e| {
            it.pos = it.data.len();
            Some(Err(e))
        };
        let Some(&len) = after.first() else {
            return fail(self, HeaderError::Malformed("IP option length missing"));
        };
        let len = usize::from(len);
        if len < 2 {
            return fail(self, HeaderError::Malformed("IP option length below 2"));
        }
        let Some(body) = rest.get(2..len) else {
            return fail(self, HeaderError::Malformed("IP option overruns header"));
        };
        let opt = match kind {
            7 | 131 | 137 => {
                let Some((&pointer, data)) = body.split_first() else {
                    return fail(self, HeaderError::Malformed("IP route option too short"));
                };
                match kind {
                    7 => Ipv4Option::RecordRoute { pointer, data },
                    131 => Ipv4Option::LooseSourceRoute { pointer, data },
                    _ => Ipv4Option::StrictSourceRoute { pointer, data },
                }
            }
            68 => match body {
                [pointer, oflw_flags, data @ ..] => Ipv4Option::Timestamp {
                    pointer: *pointer,
                    oflw_flags: *oflw_flags,
                    data,
                },
                _ => {
                    return fail(
                        self,
                        HeaderError::Malformed("IP timestamp option too short"),
                    );
                }
            },
            148 => match body {
                [a, b] => Ipv4Option::RouterAlert(u16::from_be_bytes([*a, *b])),
                _ => return fail(self, HeaderError::Malformed("IP router alert length not 4")),
            },
            kind => Ipv4Option::Unknown { kind, data: body },
        };
        self.pos += len;
        Some(Ok(opt))
    }
}

/// The parsed content of an IPv4 header, without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    pub src_addr: Ipv4Addr,
    pub dst_addr: Ipv4Addr,
    pub protocol: IpProtocol,
    /// Bytes after the header (total length − header length).
    pub payload_len: usize,
    pub ttl: u8,
    pub tos: u8,
    pub ident: u16,
    pub dont_frag: bool,
    pub more_frags: bool,
    /// Fragment offset in bytes.
    pub frag_offset: u16,
}

impl fmt::Display for Ipv4Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {}: {} ttl {} len {}",
            self.src_addr, self.dst_addr, self.protocol, self.ttl, self.payload_len
        )
    }
}

impl Ipv4Repr {
    /// Reads a whole checked datagram's header, verifying its checksum.
    /// Options are accepted and skipped; [`emit`](Self::emit) writes none.
    pub fn parse<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) -> Result<Ipv4Repr, HeaderError> {
        p.check_len()?;
        if !p.verify_checksum() {
            return Err(HeaderError::BadChecksum);
        }
        Ok(Ipv4Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            payload_len: usize::from(p.total_len()).saturating_sub(p.header_len()),
            ttl: p.ttl(),
            tos: p.tos(),
            ident: p.ident(),
            dont_frag: p.dont_frag(),
            more_frags: p.more_frags(),
            frag_offset: p.frag_offset(),
        })
    }

    /// Bytes of the header this writes (20: no options).
    #[inline]
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Bytes of header plus payload.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes a 20-byte header with a correct checksum; the payload bytes
    /// are left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Ipv4Packet<T>,
    ) -> Result<(), HeaderError> {
        ensure_room(p.buffer.as_ref().len(), HEADER_LEN)?;
        let total = u16::try_from(self.buffer_len())
            .map_err(|_| HeaderError::Malformed("IP total length above 65535"))?;
        p.bm()[field::VER_IHL] = 0x45;
        p.set_tos(self.tos);
        p.set_total_len(total);
        p.set_ident(self.ident);
        p.set_flags_offset(0);
        p.set_dont_frag(self.dont_frag);
        p.set_more_frags(self.more_frags);
        p.set_frag_offset(self.frag_offset);
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
        p.fill_checksum();
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// IPv4/UDP: 192.168.1.10:40000 -> 8.8.8.8:53, a DNS query for
    /// example.com, TTL 64, DF, ident 0x1c46, with 2 bytes of trailing
    /// padding that the total length excludes.
    pub(crate) static IPV4_UDP: [u8; 59] = [
        0x45, 0x00, 0x00, 0x39, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x4c, 0xac, 0xc0, 0xa8, 0x01,
        0x0a, 0x08, 0x08, 0x08, 0x08, 0x9c, 0x40, 0x00, 0x35, 0x00, 0x25, 0x16, 0x31, 0xab, 0xcd,
        0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61, 0x6d,
        0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    ];

    /// An IPv4 header with options: NOP, router alert, NOP, record route
    /// with room for one address, end of list, then 4 payload bytes.
    static IPV4_OPTIONS: [u8; 40] = [
        0x49, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, 0xbb, 0x20, 0x0a, 0x00, 0x00,
        0x01, 0xe0, 0x00, 0x00, 0x16, 0x01, 0x94, 0x04, 0x00, 0x00, 0x01, 0x07, 0x07, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
    ];

    #[test]
    fn reads_udp_datagram() {
        let p = Ipv4Packet::new_checked(&IPV4_UDP[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.total_len(), 57);
        assert_eq!(p.ident(), 0x1c46);
        assert!(p.dont_frag());
        assert!(!p.more_frags());
        assert!(!p.is_fragment());
        assert_eq!(p.ttl(), 64);
        assert_eq!(p.protocol(), IpProtocol::Udp);
        assert_eq!(p.src_addr(), Ipv4Addr::new(192, 168, 1, 10));
        assert_eq!(p.dst_addr(), Ipv4Addr::new(8, 8, 8, 8));
        assert_eq!(p.checksum(), 0x4cac);
        assert!(p.verify_checksum());
        assert_eq!(p.payload().len(), 37);
        assert!(p.options().is_empty());
    }

    #[test]
    fn repr_round_trip() {
        let p = Ipv4Packet::new_checked(&IPV4_UDP[..]).unwrap();
        let repr = Ipv4Repr::parse(&p).unwrap();
        assert_eq!(repr.payload_len, 37);
        assert_eq!(repr.buffer_len(), 57);
        let mut out = IPV4_UDP;
        out[..20].fill(0);
        let mut q = Ipv4Packet::new_unchecked(&mut out[..]);
        repr.emit(&mut q).unwrap();
        assert_eq!(out, IPV4_UDP);
    }

    #[test]
    fn bad_checksum_is_refused_by_repr() {
        let mut data = IPV4_UDP;
        data[8] = 63;
        let p = Ipv4Packet::new_checked(&data[..]).unwrap();
        assert!(!p.verify_checksum());
        assert_eq!(Ipv4Repr::parse(&p), Err(HeaderError::BadChecksum));
    }

    #[test]
    fn length_checks() {
        assert_eq!(
            Ipv4Packet::new_checked(&IPV4_UDP[..19]).unwrap_err(),
            HeaderError::Truncated
        );
        assert_eq!(
            Ipv4Packet::new_checked(&IPV4_UDP[..56]).unwrap_err(),
            HeaderError::Truncated
        );
        assert!(Ipv4Packet::new_checked_header(&IPV4_UDP[..28]).is_ok());
        let mut data = IPV4_UDP;
        data[0] = 0x44;
        assert!(matches!(
            Ipv4Packet::new_checked(&data[..]),
            Err(HeaderError::Malformed(_))
        ));
        data[0] = 0x65;
        assert!(matches!(
            Ipv4Packet::new_checked(&data[..]),
            Err(HeaderError::Malformed(_))
        ));
        data[0] = 0x4f;
        assert_eq!(
            Ipv4Packet::new_checked(&data[..]).unwrap_err(),
            HeaderError::Truncated
        );
        let mut data = IPV4_UDP;
        data[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert!(matches!(
            Ipv4Packet::new_checked(&data[..]),
            Err(HeaderError::Malformed(_))
        ));
    }

    #[test]
    fn truncated_quote_payload_is_what_is_there() {
        let p = Ipv4Packet::new_checked_header(&IPV4_UDP[..28]).unwrap();
        assert_eq!(p.payload(), &IPV4_UDP[20..28]);
    }

    #[test]
    fn options_iterate() {
        let p = Ipv4Packet::new_checked(&IPV4_OPTIONS[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(p.header_len(), 36);
        let opts: Vec<_> = p.options_iter().collect();
        assert_eq!(
            opts,
            vec![
                Ok(Ipv4Option::NoOperation),
                Ok(Ipv4Option::RouterAlert(0)),
                Ok(Ipv4Option::NoOperation),
                Ok(Ipv4Option::RecordRoute {
                    pointer: 4,
                    data: &[0, 0, 0, 0]
                }),
                Ok(Ipv4Option::EndOfList),
            ]
        );
        assert_eq!(p.payload(), &[0xde, 0xad, 0xbe, 0xef]);
    }

    #[test]
    fn malformed_options_stop_the_iterator() {
        for bad in [
            &[0x07][..],
            &[0x07, 0x01],
            &[0x07, 0x09, 0x04],
            &[0x94, 0x03, 0x00],
        ] {
            let mut it = Ipv4OptionsIter::new(bad);
            assert!(
                matches!(it.next(), Some(Err(HeaderError::Malformed(_)))),
                "{bad:?}"
            );
            assert!(it.next().is_none());
        }
        let mut it = Ipv4OptionsIter::new(&[1, 1, 0x44, 0x04, 0x05, 0x00]);
        assert_eq!(it.next(), Some(Ok(Ipv4Option::NoOperation)));
        assert_eq!(it.next(), Some(Ok(Ipv4Option::NoOperation)));
        assert_eq!(
            it.next(),
            Some(Ok(Ipv4Option::Timestamp {
                pointer: 5,
                oflw_flags: 0,
                data: &[]
            }))
        );
        assert_eq!(it.last_offset(), 2);
    }

    #[test]
    fn decrement_ttl_keeps_checksum_valid() {
        let mut data = IPV4_UDP;
        let mut p = Ipv4Packet::new_checked(&mut data[..]).unwrap();
        for ttl in (0..64).rev() {
            assert!(p.decrement_ttl());
            assert_eq!(p.ttl(), ttl);
            assert!(p.verify_checksum());
        }
        assert!(!p.decrement_ttl());
    }

    #[test]
    fn incremental_setters_keep_checksum_valid() {
        let mut data = IPV4_UDP;
        let mut p = Ipv4Packet::new_checked(&mut data[..]).unwrap();
        p.set_src_addr_incremental(Ipv4Addr::new(203, 0, 113, 7));
        p.set_dst_addr_incremental(Ipv4Addr::new(198, 51, 100, 1));
        p.set_tos_incremental(0xb8);
        assert_eq!(p.dscp(), 46);
        assert!(p.verify_checksum());
        let c = p.checksum();
        p.fill_checksum();
        assert_eq!(p.checksum(), c);
    }

    #[test]
    fn fragment_fields() {
        let mut data = IPV4_UDP;
        let mut p = Ipv4Packet::new_checked(&mut data[..]).unwrap();
        p.set_dont_frag(false);
        p.set_more_frags(true);
        p.set_frag_offset(1480);
        assert!(p.is_fragment());
        assert_eq!(p.frag_offset(), 1480);
        assert!(p.more_frags());
        assert!(!p.dont_frag());
        p.clear_flags();
        assert!(!p.more_frags());
        assert_eq!(p.frag_offset(), 1480);
    }

    /// Calls every accessor; a panic fails the property.
    pub(crate) fn touch_all<T: AsRef<[u8]>>(p: &Ipv4Packet<T>) {
        let _ = (
            p.version(),
            p.header_len(),
            p.tos(),
            p.dscp(),
            p.ecn(),
            p.total_len(),
        );
        let _ = (p.ident(), p.reserved_flag(), p.dont_frag(), p.more_frags());
        let _ = (
            p.frag_offset(),
            p.is_fragment(),
            p.ttl(),
            p.protocol(),
            p.checksum(),
        );
        let _ = (p.src_addr(), p.dst_addr(), p.header(), p.verify_checksum());
        let _ = (p.options(), p.payload());
        for o in p.options_iter() {
            let _ = o;
        }
        let _ = Ipv4Repr::parse(p);
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..90), v4 in any::<bool>()) {
            if v4 && !data.is_empty() {
                data[0] = 0x40 | (data[0] & 0x0f);
            }
            if let Ok(p) = Ipv4Packet::new_checked(&data[..]) {
                touch_all(&p);
            }
            if let Ok(mut p) = Ipv4Packet::new_checked_header(&mut data[..]) {
                touch_all(&p);
                let _ = (p.options_mut().len(), p.payload_mut().len());
                p.fill_checksum();
                prop_assert!(p.verify_checksum());
                p.decrement_ttl();
                prop_assert!(p.verify_checksum());
            }
        }

        #[test]
        fn incremental_equals_full(
            header in any::<[u8; 20]>(),
            src in any::<u32>(),
            dst in any::<u32>(),
            ttl in 1u8..,
        ) {
            let mut a = header;
            a[0] = 0x45;
            a[8] = ttl;
            let mut p = Ipv4Packet::new_unchecked(&mut a[..]);
            p.fill_checksum();
            p.decrement_ttl();
            p.set_src_addr_incremental(Ipv4Addr::from_bits(src));
            p.set_dst_addr_incremental(Ipv4Addr::from_bits(dst));
            let incremental = p.checksum();
            p.fill_checksum();
            prop_assert_eq!(incremental, p.checksum());
        }
    }
}
