//! TCP headers (RFC 9293): a view, options, and a `Repr`.
//!
//! Key decision: options are read by a borrowing iterator that yields
//! typed options (MSS, window scale, SACK-permitted, SACK blocks,
//! timestamps, NOP/EOL, unknown) and one `Err` for the first malformed
//! option, so a middlebox can look for one option without copying or
//! allocating; [`TcpRepr`] keeps the options it understands and writes them
//! back in the order Linux uses, padded with NOPs to 32-bit alignment.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum;
use crate::error::{HeaderError, ensure_room};
use crate::ip::IpProtocol;
use crate::wire::{read_u16, read_u32, slice, slice_mut, write_u16, write_u32};

/// Field offsets of the TCP header.
pub mod field {
    use crate::wire::{Field, Rest};
    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const SEQ_NUM: Field = 4..8;
    pub const ACK_NUM: Field = 8..12;
    /// Data offset (high four bits), reserved bits, and the nine flags.
    pub const FLAGS: Field = 12..14;
    pub const WIN_SIZE: Field = 14..16;
    pub const CHECKSUM: Field = 16..18;
    pub const URGENT: Field = 18..20;
    /// Options, up to the header length.
    pub const OPTIONS: Rest = 20..;
}

/// Length of a TCP header without options.
pub const HEADER_LEN: usize = field::OPTIONS.start;
/// Longest possible TCP header (data offset 15).
pub const MAX_HEADER_LEN: usize = 60;
/// Most bytes of options a header can carry.
pub const MAX_OPTIONS_LEN: usize = MAX_HEADER_LEN - HEADER_LEN;

/// The TCP flag bits (low nine bits of the flags word).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x001);
    pub const SYN: TcpFlags = TcpFlags(0x002);
    pub const RST: TcpFlags = TcpFlags(0x004);
    pub const PSH: TcpFlags = TcpFlags(0x008);
    pub const ACK: TcpFlags = TcpFlags(0x010);
    pub const URG: TcpFlags = TcpFlags(0x020);
    pub const ECE: TcpFlags = TcpFlags(0x040);
    pub const CWR: TcpFlags = TcpFlags(0x080);
    pub const NS: TcpFlags = TcpFlags(0x100);
    /// Every flag bit.
    pub const ALL: TcpFlags = TcpFlags(0x1ff);

    #[inline]
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// True when every bit of `other` is set here.
    #[inline]
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when any bit of `other` is set here.
    #[inline]
    pub const fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl core::ops::BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

impl core::ops::BitAnd for TcpFlags {
    type Output = TcpFlags;
    fn bitand(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 & rhs.0)
    }
}

impl core::ops::Not for TcpFlags {
    type Output = TcpFlags;
    fn not(self) -> TcpFlags {
        TcpFlags(!self.0 & Self::ALL.0)
    }
}

impl fmt::Display for TcpFlags {
    /// tcpdump's letters, in its order: `S`, `F`, `R`, `P`, `.` for ACK,
    /// `U`, `E`, `W`, `N`; `none` when no flag is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (TcpFlags::SYN, 'S'),
            (TcpFlags::FIN, 'F'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::ACK, '.'),
            (TcpFlags::URG, 'U'),
            (TcpFlags::ECE, 'E'),
            (TcpFlags::CWR, 'W'),
            (TcpFlags::NS, 'N'),
        ];
        if self.0 & Self::ALL.0 == 0 {
            return f.write_str("none");
        }
        for (flag, c) in names {
            if self.contains(flag) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TcpFlags({self})")
    }
}

/// A view of a TCP segment. The buffer is the whole segment: TCP has no
/// length field, so its end is the end of the IP payload.
///
/// After [`TcpPacket::new_checked`] succeeds, no accessor panics.
#[derive(Debug, Clone)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps a buffer without checking it; fixed-field accessors panic if
    /// it is shorter than 20 bytes (variable-length parts never do).
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Wraps a buffer holding a header whose data offset is at least 5 and
    /// within the buffer.
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
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return Err(HeaderError::Malformed("TCP data offset below 5"));
        }
        if len < hl {
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

    #[inline]
    pub fn seq_number(&self) -> u32 {
        read_u32(self.b(), field::SEQ_NUM.start)
    }

    #[inline]
    pub fn ack_number(&self) -> u32 {
        read_u32(self.b(), field::ACK_NUM.start)
    }

    #[inline]
    fn flags_word(&self) -> u16 {
        read_u16(self.b(), field::FLAGS.start)
    }

    /// Header length in bytes (data offset × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.flags_word() >> 12) * 4
    }

    #[inline]
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.flags_word() & TcpFlags::ALL.0)
    }

    #[inline]
    pub fn fin(&self) -> bool {
        self.flags().contains(TcpFlags::FIN)
    }

    #[inline]
    pub fn syn(&self) -> bool {
        self.flags().contains(TcpFlags::SYN)
    }

    #[inline]
    pub fn rst(&self) -> bool {
        self.flags().contains(TcpFlags::RST)
    }

    #[inline]
    pub fn psh(&self) -> bool {
        self.flags().contains(TcpFlags::PSH)
    }

    #[inline]
    pub fn ack(&self) -> bool {
        self.flags().contains(TcpFlags::ACK)
    }

    #[inline]
    pub fn urg(&self) -> bool {
        self.flags().contains(TcpFlags::URG)
    }

    #[inline]
    pub fn ece(&self) -> bool {
        self.flags().contains(TcpFlags::ECE)
    }

    #[inline]
    pub fn cwr(&self) -> bool {
        self.flags().contains(TcpFlags::CWR)
    }

    #[inline]
    pub fn window_len(&self) -> u16 {
        read_u16(self.b(), field::WIN_SIZE.start)
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.b(), field::CHECKSUM.start)
    }

    #[inline]
    pub fn urgent_at(&self) -> u16 {
        read_u16(self.b(), field::URGENT.start)
    }

    /// The option bytes, between the fixed header and the header length.
    #[inline]
    pub fn options(&self) -> &[u8] {
        slice(self.b(), HEADER_LEN, self.header_len())
    }

    /// The options, one by one.
    #[inline]
    pub fn options_iter(&self) -> TcpOptionsIter<'_> {
        TcpOptionsIter::new(self.options())
    }

    /// The bytes after the header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.b();
        slice(b, self.header_len(), b.len())
    }

    /// Sequence space the segment takes: payload bytes, plus one for SYN
    /// and one for FIN.
    #[inline]
    pub fn segment_len(&self) -> usize {
        self.payload().len() + usize::from(self.syn()) + usize::from(self.fin())
    }

    /// True when the segment plus a pseudo-header summing to `pseudo` sums
    /// to `0xFFFF`.
    #[inline]
    pub fn verify_checksum_with(&self, pseudo: u16) -> bool {
        checksum::combine(&[pseudo, checksum::sum(self.b())]) == 0xffff
    }

    #[inline]
    pub fn verify_checksum_v4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        self.verify_checksum_with(checksum::pseudo_header_v4(
            src,
            dst,
            IpProtocol::Tcp,
            len16(self.b()),
        ))
    }

    #[inline]
    pub fn verify_checksum_v6(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        let len = len32(self.b());
        self.verify_checksum_with(checksum::pseudo_header_v6(src, dst, IpProtocol::Tcp, len))
    }
}

/// A segment length as the IPv4 pseudo-header holds it (buffers longer
/// than an IPv4 datagram can be do not occur; they saturate).
#[inline]
fn len16(b: &[u8]) -> u16 {
    u16::try_from(b.len()).unwrap_or(u16::MAX)
}

#[inline]
fn len32(b: &[u8]) -> u32 {
    u32::try_from(b.len()).unwrap_or(u32::MAX)
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
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
    pub fn set_seq_number(&mut self, n: u32) {
        write_u32(self.bm(), field::SEQ_NUM.start, n);
    }

    #[inline]
    pub fn set_ack_number(&mut self, n: u32) {
        write_u32(self.bm(), field::ACK_NUM.start, n);
    }

    /// Sets the header length in bytes; stored in 32-bit words, so rounded
    /// down to a multiple of four (and capped at 60).
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let words = (len / 4).min(15) as u16;
        let w = (self.flags_word() & 0x0fff) | (words << 12);
        write_u16(self.bm(), field::FLAGS.start, w);
    }

    /// Sets all nine flag bits at once (the reserved bits are kept).
    #[inline]
    pub fn set_flags(&mut self, flags: TcpFlags) {
        let w = (self.flags_word() & !TcpFlags::ALL.0) | (flags.0 & TcpFlags::ALL.0);
        write_u16(self.bm(), field::FLAGS.start, w);
    }

    #[inline]
    pub fn set_window_len(&mut self, w: u16) {
        write_u16(self.bm(), field::WIN_SIZE.start, w);
    }

    #[inline]
    pub fn set_checksum(&mut self, c: u16) {
        write_u16(self.bm(), field::CHECKSUM.start, c);
    }

    #[inline]
    pub fn set_urgent_at(&mut self, at: u16) {
        write_u16(self.bm(), field::URGENT.start, at);
    }

    /// Fills the checksum given the pseudo-header's sum.
    #[inline]
    pub fn fill_checksum_with(&mut self, pseudo: u16) {
        self.set_checksum(0);
        let c = checksum::finish(&[pseudo, checksum::sum(self.b())]);
        self.set_checksum(c);
    }

    #[inline]
    pub fn fill_checksum_v4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let len = len16(self.b());
        self.fill_checksum_with(checksum::pseudo_header_v4(src, dst, IpProtocol::Tcp, len));
    }

    #[inline]
    pub fn fill_checksum_v6(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        let len = len32(self.b());
        self.fill_checksum_with(checksum::pseudo_header_v6(src, dst, IpProtocol::Tcp, len));
    }

    /// Applies an RFC 1624 update to the checksum for a 16-bit change
    /// covered by it.
    #[inline]
    pub fn update_checksum_u16(&mut self, old: u16, new: u16) {
        let c = checksum::update_u16(self.checksum(), old, new);
        self.set_checksum(c);
    }

    /// [`update_checksum_u16`](Self::update_checksum_u16) for a 32-bit
    /// change, such as an IPv4 address in the pseudo-header (NAT) or a
    /// sequence number.
    #[inline]
    pub fn update_checksum_u32(&mut self, old: u32, new: u32) {
        let c = checksum::update_u32(self.checksum(), old, new);
        self.set_checksum(c);
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

    /// Sets the sequence number, updating the checksum incrementally.
    #[inline]
    pub fn set_seq_number_incremental(&mut self, n: u32) {
        let old = self.seq_number();
        self.set_seq_number(n);
        self.update_checksum_u32(old, n);
    }

    /// Sets the acknowledgment number, updating the checksum incrementally.
    #[inline]
    pub fn set_ack_number_incremental(&mut self, n: u32) {
        let old = self.ack_number();
        self.set_ack_number(n);
        self.update_checksum_u32(old, n);
    }

    /// The option bytes, writable.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        slice_mut(self.bm(), HEADER_LEN, hl)
    }

    /// The payload, writable.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        let b = self.bm();
        let end = b.len();
        slice_mut(b, hl, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for TcpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub mod kind {
    pub const END_OF_LIST: u8 = 0;
    pub const NO_OPERATION: u8 = 1;
    pub const MAX_SEG_SIZE: u8 = 2;
    pub const WINDOW_SCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const TIMESTAMPS: u8 = 8;
}

/// The blocks of a SACK option: `(left edge, right edge)` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SackBlocks<'a> {
    data: &'a [u8],
}

impl<'a> SackBlocks<'a> {
    /// The raw block bytes (a multiple of eight).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl Iterator for SackBlocks<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        match self.data {
            [a0, a1, a2, a3, b0, b1, b2, b3, rest @ ..] => {
                self.data = rest;
                Some((
                    u32::from_be_bytes([*a0, *a1, *a2, *a3]),
                    u32::from_be_bytes([*b0, *b1, *b2, *b3]),
                ))
            }
            _ => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.data.len() / 8;
        (n, Some(n))
    }
}

impl ExactSizeIterator for SackBlocks<'_> {}

/// One TCP option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// End of option list (0); the iterator stops after it.
    EndOfList,
    /// No operation (1).
    NoOperation,
    /// Maximum segment size (2, RFC 9293).
    MaxSegmentSize(u16),
    /// Window scale shift count (3, RFC 7323).
    WindowScale(u8),
    /// SACK permitted (4, RFC 2018).
    SackPermitted,
    /// SACK blocks (5, RFC 2018).
    Sack(SackBlocks<'a>),
    /// Timestamps (8, RFC 7323).
    Timestamps { tsval: u32, tsecr: u32 },
    /// Any other option: its kind and the bytes after its length.
    Unknown { kind: u8, data: &'a [u8] },
}

/// Iterator over TCP options. Yields `Err` once for a malformed option (a
/// length below 2, past the header, or wrong for a known kind) and stops.
#[derive(Debug, Clone)]
pub struct TcpOptionsIter<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> TcpOptionsIter<'a> {
    /// Iterates over raw option bytes.
    #[inline]
    pub fn new(data: &'a [u8]) -> Self {
        TcpOptionsIter { data, pos: 0 }
    }

    fn fail(&mut self, why: &'static str) -> Option<Result<TcpOption<'a>, HeaderError>> {
        self.pos = self.data.len();
        Some(Err(HeaderError::Malformed(why)))
    }
}

impl<'a> Iterator for TcpOptionsIter<'a> {
    type Item = Result<TcpOption<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.pos..)?;
        let (&k, after) = rest.split_first()?;
        match k {
            kind::END_OF_LIST => {
                self.pos = self.data.len();
                return Some(Ok(TcpOption::EndOfList));
            }
            kind::NO_OPERATION => {
                self.pos += 1;
                return Some(Ok(TcpOption::NoOperation));
            }
            _ => {}
        }
        let Some(&len) = after.first() else {
            return self.fail("TCP option length missing");
        };
        let len = usize::from(len);
        if len < 2 {
            return self.fail("TCP option length below 2");
        }
        let Some(body) = rest.get(2..len) else {
            return self.fail("TCP option overruns header");
        };
        let opt = match (k, body) {
            (kind::MAX_SEG_SIZE, [a, b]) => TcpOption::MaxSegmentSize(u16::from_be_bytes([*a, *b])),
            (kind::MAX_SEG_SIZE, _) => return self.fail("TCP MSS option length not 4"),
            (kind::WINDOW_SCALE, [s]) => TcpOption::WindowScale(*s),
            (kind::WINDOW_SCALE, _) => return self.fail("TCP window scale option length not 3"),
            (kind::SACK_PERMITTED, []) => TcpOption::SackPermitted,
            (kind::SACK_PERMITTED, _) => {
                return self.fail("TCP SACK-permitted option length not 2");
            }
            (kind::SACK, data) if !data.is_empty() && data.len() % 8 == 0 => {
                TcpOption::Sack(SackBlocks { data })
            }
            (kind::SACK, _) => return self.fail("TCP SACK option length not 2 + 8n"),
            (kind::TIMESTAMPS, [a0, a1, a2, a3, b0, b1, b2, b3]) => TcpOption::Timestamps {
                tsval: u32::from_be_bytes([*a0, *a1, *a2, *a3]),
                tsecr: u32::from_be_bytes([*b0, *b1, *b2, *b3]),
            },
            (kind::TIMESTAMPS, _) => return self.fail("TCP timestamps option length not 10"),
            (kind, data) => TcpOption::Unknown { kind, data },
        };
        self.pos += len;
        Some(Ok(opt))
    }
}

/// The parsed content of a TCP header, with the options it understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq_number: u32,
    pub ack_number: u32,
    pub flags: TcpFlags,
    pub window_len: u16,
    pub urgent_at: u16,
    pub max_seg_size: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// SACK blocks, in order; `None` after the last.
    pub sack_ranges: [Option<(u32, u32)>; 4],
    /// `(tsval, tsecr)`.
    pub timestamp: Option<(u32, u32)>,
    /// Bytes after the header.
    pub payload_len: usize,
}

impl TcpRepr {
    /// Reads a checked segment's header and options. A malformed option is
    /// an error; unknown options are skipped (and so not re-emitted). The
    /// checksum is not verified here: it needs the IP addresses.
    pub fn parse<T: AsRef<[u8]>>(p: &TcpPacket<T>) -> Result<TcpRepr, HeaderError> {
        p.check_len()?;
        let mut repr = TcpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            seq_number: p.seq_number(),
            ack_number: p.ack_number(),
            flags: p.flags(),
            window_len: p.window_len(),
            urgent_at: p.urgent_at(),
            payload_len: p.payload().len(),
            ..TcpRepr::default()
        };
        for opt in p.options_iter() {
            match opt? {
                TcpOption::MaxSegmentSize(m) => repr.max_seg_size = Some(m),
                TcpOption::WindowScale(s) => repr.window_scale = Some(s),
                TcpOption::SackPermitted => repr.sack_permitted = true,
                TcpOption::Sack(blocks) => {
                    repr.sack_ranges = [None; 4];
                    for (slot, block) in repr.sack_ranges.iter_mut().zip(blocks) {
                        *slot = Some(block);
                    }
                }
                TcpOption::Timestamps { tsval, tsecr } => repr.timestamp = Some((tsval, tsecr)),
                TcpOption::EndOfList | TcpOption::NoOperation | TcpOption::Unknown { .. } => {}
            }
        }
        Ok(repr)
    }

    fn sack_count(&self) -> usize {
        self.sack_ranges.iter().take_while(|r| r.is_some()).count()
    }

    /// Bytes of options [`emit`](Self::emit) writes (a multiple of four).
    pub fn options_len(&self) -> usize {
        let mut n = 0;
        if self.max_seg_size.is_some() {
            n += 4;
        }
        n += match (self.sack_permitted, self.timestamp.is_some()) {
            (true, true) => 12,
            (false, true) => 12,
            (true, false) => 4,
            (false, false) => 0,
        };
        if self.window_scale.is_some() {
            n += 4;
        }
        let sacks = self.sack_count();
        if sacks > 0 {
            n += 4 + 8 * sacks;
        }
        n
    }

    /// Header length in bytes, options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options_len()
    }

    /// Bytes of header plus payload.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// Writes the header and options (MSS; SACK-permitted and timestamps;
    /// window scale; SACK — each NOP-padded to 32 bits, as Linux lays them
    /// out) with a zero checksum; put the payload in place and then call
    /// `fill_checksum_v4`/`_v6`. Fails if the options exceed 40 bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut TcpPacket<T>,
    ) -> Result<(), HeaderError> {
        let opts_len = self.options_len();
        if opts_len > MAX_OPTIONS_LEN {
            return Err(HeaderError::Malformed("TCP options exceed 40 bytes"));
        }
        let hl = HEADER_LEN + opts_len;
        ensure_room(p.buffer.as_ref().len(), hl)?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_seq_number(self.seq_number);
        p.set_ack_number(self.ack_number);
        write_u16(
            p.bm(),
            field::FLAGS.start,
            ((hl as u16 / 4) << 12) | (self.flags.0 & TcpFlags::ALL.0),
        );
        p.set_window_len(self.window_len);
        p.set_checksum(0);
        p.set_urgent_at(self.urgent_at);
        let mut w = OptionWriter {
            out: p.options_mut(),
            at: 0,
        };
        if let Some(mss) = self.max_seg_size {
            w.put(&[kind::MAX_SEG_SIZE, 4]);
            w.put(&mss.to_be_bytes());
        }
        match (self.sack_permitted, self.timestamp) {
            (sp, Some((tsval, tsecr))) => {
                w.put(if sp {
                    &[kind::SACK_PERMITTED, 2]
                } else {
                    &[1, 1]
                });
                w.put(&[kind::TIMESTAMPS, 10]);
                w.put(&tsval.to_be_bytes());
                w.put(&tsecr.to_be_bytes());
            }
            (true, None) => w.put(&[1, 1, kind::SACK_PERMITTED, 2]),
            (false, None) => {}
        }
        if let Some(shift) = self.window_scale {
            w.put(&[1, kind::WINDOW_SCALE, 3, shift]);
        }
        let sacks = self.sack_count();
        if sacks > 0 {
            w.put(&[1, 1, kind::SACK, (2 + 8 * sacks) as u8]);
            for (left, right) in self.sack_ranges.iter().flatten() {
                w.put(&left.to_be_bytes());
                w.put(&right.to_be_bytes());
            }
        }
        Ok(())
    }
}

/// Writes option bytes in sequence; the room was checked beforehand.
struct OptionWriter<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl OptionWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        if let Some(dst) = self.out.get_mut(self.at..end) {
            dst.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::Ipv4Packet;
    use proptest::prelude::*;

    /// IPv4/TCP SYN 10.0.0.1:51234 -> 93.184.216.34:80 as Linux sends it:
    /// MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    static IPV4_TCP_SYN: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0xb3, 0xa1, 0x40, 0x00, 0x40, 0x06, 0x47, 0x3f, 0x0a, 0x00, 0x00,
        0x01, 0x5d, 0xb8, 0xd8, 0x22, 0xc8, 0x22, 0x00, 0x50, 0x5b, 0x1c, 0x2d, 0x3e, 0x00, 0x00,
        0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x86, 0x0e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
        0x02, 0x08, 0x0a, 0x0a, 0x1b, 0x2c, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    ];
    const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(93, 184, 216, 34);

    #[test]
    fn reads_syn() {
        let ip = Ipv4Packet::new_checked(&IPV4_TCP_SYN[..]).unwrap();
        assert!(ip.verify_checksum());
        let t = TcpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(t.src_port(), 51234);
        assert_eq!(t.dst_port(), 80);
        assert_eq!(t.seq_number(), 0x5b1c2d3e);
        assert_eq!(t.ack_number(), 0);
        assert_eq!(t.header_len(), 40);
        assert_eq!(t.flags(), TcpFlags::SYN);
        assert!(t.syn() && !t.ack() && !t.fin() && !t.rst());
        assert_eq!(t.window_len(), 64240);
        assert!(t.verify_checksum_v4(SRC, DST));
        assert!(t.payload().is_empty());
        assert_eq!(t.segment_len(), 1);
        let opts: Vec<_> = t.options_iter().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            opts,
            vec![
                TcpOption::MaxSegmentSize(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps {
                    tsval: 0x0a1b2c3d,
                    tsecr: 0
                },
                TcpOption::NoOperation,
                TcpOption::WindowScale(7),
            ]
        );
        assert_eq!(t.flags().to_string(), "S");
    }

    #[test]
    fn repr_round_trip_is_byte_exact() {
        let t = TcpPacket::new_checked(&IPV4_TCP_SYN[20..]).unwrap();
        let repr = TcpRepr::parse(&t).unwrap();
        assert_eq!(repr.max_seg_size, Some(1460));
        assert_eq!(repr.window_scale, Some(7));
        assert!(repr.sack_permitted);
        assert_eq!(repr.timestamp, Some((0x0a1b2c3d, 0)));
        assert_eq!(repr.header_len(), 40);
        let mut out = [0u8; 40];
        let mut u = TcpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut u).unwrap();
        u.fill_checksum_v4(SRC, DST);
        assert_eq!(&out[..], &IPV4_TCP_SYN[20..]);
    }

    #[test]
    fn sack_blocks_round_trip() {
        let repr = TcpRepr {
            src_port: 80,
            dst_port: 51234,
            seq_number: 1,
            ack_number: 1000,
            flags: TcpFlags::ACK,
            window_len: 501,
            timestamp: Some((7, 8)),
            sack_ranges: [Some((2000, 3000)), Some((4000, 5000)), None, None],
            payload_len: 3,
            ..TcpRepr::default()
        };
        assert_eq!(repr.header_len(), 20 + 12 + 20);
        let mut out = vec![0u8; repr.buffer_len()];
        let mut t = TcpPacket::new_unchecked(&mut out[..]);
        repr.emit(&mut t).unwrap();
        t.payload_mut().copy_from_slice(b"abc");
        t.fill_checksum_v4(SRC, DST);
        let t = TcpPacket::new_checked(&out[..]).unwrap();
        assert!(t.verify_checksum_v4(SRC, DST));
        assert_eq!(TcpRepr::parse(&t).unwrap(), repr);
        let sack = t
            .options_iter()
            .find_map(|o| match o {
                Ok(TcpOption::Sack(b)) => Some(b.collect::<Vec<_>>()),
                _ => None,
            })
            .unwrap();
        assert_eq!(sack, vec![(2000, 3000), (4000, 5000)]);
    }

    #[test]
    fn too_many_options_is_an_error() {
        let repr = TcpRepr {
            max_seg_size: Some(1),
            window_scale: Some(1),
            timestamp: Some((1, 1)),
            sack_ranges: [Some((1, 2)); 4],
            ..TcpRepr::default()
        };
        let mut out = [0u8; 100];
        assert!(matches!(
            repr.emit(&mut TcpPacket::new_unchecked(&mut out[..])),
            Err(HeaderError::Malformed(_))
        ));
    }

    #[test]
    fn length_checks() {
        let seg = &IPV4_TCP_SYN[20..];
        assert_eq!(
            TcpPacket::new_checked(&seg[..19]).unwrap_err(),
            HeaderError::Truncated
        );
        assert_eq!(
            TcpPacket::new_checked(&seg[..39]).unwrap_err(),
            HeaderError::Truncated
        );
        let mut bad = seg.to_vec();
        bad[12] = 0x40;
        assert!(matches!(
            TcpPacket::new_checked(&bad[..]),
            Err(HeaderError::Malformed(_))
        ));
    }

    #[test]
    fn malformed_options() {
        for bad in [
            &[2u8, 3, 0][..],
            &[2, 4, 5],
            &[3, 4, 7, 0],
            &[4, 3, 0],
            &[5, 2],
            &[5, 6, 0, 0, 0, 0],
            &[8, 9, 0, 0, 0, 0, 0, 0, 0],
            &[30, 1],
            &[30],
        ] {
            let mut it = TcpOptionsIter::new(bad);
            assert!(
                matches!(it.next(), Some(Err(HeaderError::Malformed(_)))),
                "{bad:?}"
            );
            assert!(it.next().is_none());
        }
        let mut it = TcpOptionsIter::new(&[30, 3, 9, 0, 2, 4]);
        assert_eq!(
            it.next(),
            Some(Ok(TcpOption::Unknown {
                kind: 30,
                data: &[9]
            }))
        );
        assert_eq!(it.next(), Some(Ok(TcpOption::EndOfList)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn nat_rewrite_incremental() {
        let mut seg = IPV4_TCP_SYN[20..].to_vec();
        let mut t = TcpPacket::new_checked(&mut seg[..]).unwrap();
        let new_src = Ipv4Addr::new(198, 51, 100, 20);
        t.update_checksum_u32(SRC.to_bits(), new_src.to_bits());
        t.set_src_port_incremental(40001);
        t.set_seq_number_incremental(0xdeadbeef);
        assert!(t.verify_checksum_v4(new_src, DST));
    }

    #[test]
    fn flags_display() {
        assert_eq!((TcpFlags::SYN | TcpFlags::ACK).to_string(), "S.");
        assert_eq!(
            (TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK).to_string(),
            "FP."
        );
        assert_eq!(TcpFlags::default().to_string(), "none");
        assert_eq!(!TcpFlags::ALL, TcpFlags(0));
    }

    proptest! {
        #[test]
        fn checked_view_never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(mut t) = TcpPacket::new_checked(&mut data[..]) {
                let _ = (t.src_port(), t.dst_port(), t.seq_number(), t.ack_number());
                let _ = (t.header_len(), t.flags(), t.fin(), t.syn(), t.rst(), t.psh());
                let _ = (t.ack(), t.urg(), t.ece(), t.cwr(), t.window_len(), t.checksum());
                let _ = (t.urgent_at(), t.options(), t.payload(), t.segment_len());
                for o in t.options_iter() {
                    if let Ok(TcpOption::Sack(b)) = o {
                        let _ = b.count();
                    }
                }
                let _ = t.verify_checksum_v4(SRC, DST);
                let _ = t.verify_checksum_v6(&Ipv6Addr::LOCALHOST, &Ipv6Addr::LOCALHOST);
                if let Ok(repr) = TcpRepr::parse(&t) {
                    let mut out = vec![0u8; repr.buffer_len()];
                    let _ = repr.emit(&mut TcpPacket::new_unchecked(&mut out[..]));
                }
                t.fill_checksum_v4(SRC, DST);
                prop_assert!(t.verify_checksum_v4(SRC, DST));
                let _ = (t.options_mut().len(), t.payload_mut().len());
            }
        }

        #[test]
        fn repr_emit_parse_round_trip(
            src_port in any::<u16>(), dst_port in any::<u16>(), seq in any::<u32>(), ack in any::<u32>(),
            flags in 0u16..0x200, win in any::<u16>(), mss in any::<Option<u16>>(),
            ws in any::<Option<u8>>(), sp in any::<bool>(), ts in any::<Option<(u32, u32)>>(),
            nsack in 0usize..=2, payload_len in 0usize..20,
        ) {
            let mut sack_ranges = [None; 4];
            for (i, slot) in sack_ranges.iter_mut().take(nsack).enumerate() {
                *slot = Some((i as u32 * 10, i as u32 * 10 + 5));
            }
            let repr = TcpRepr {
                src_port, dst_port, seq_number: seq, ack_number: ack, flags: TcpFlags(flags),
                window_len: win, urgent_at: 0, max_seg_size: mss, window_scale: ws,
                sack_permitted: sp, sack_ranges, timestamp: ts, payload_len,
            };
            let mut out = vec![0u8; repr.buffer_len()];
            let mut t = TcpPacket::new_unchecked(&mut out[..]);
            repr.emit(&mut t).unwrap();
            let t = TcpPacket::new_checked(&out[..]).unwrap();
            prop_assert_eq!(TcpRepr::parse(&t).unwrap(), repr);
        }

        #[test]
        fn incremental_equals_full(
            payload in proptest::collection::vec(any::<u8>(), 0..30),
            sport in any::<u16>(), seq in any::<u32>(), src in any::<u32>(),
        ) {
            let repr = TcpRepr { src_port: 1, dst_port: 2, flags: TcpFlags::ACK, payload_len: payload.len(), ..TcpRepr::default() };
            let mut buf = vec![0u8; repr.buffer_len()];
            let mut t = TcpPacket::new_unchecked(&mut buf[..]);
            repr.emit(&mut t).unwrap();
            t.payload_mut().copy_from_slice(&payload);
            t.fill_checksum_v4(SRC, DST);
            let new_src = Ipv4Addr::from_bits(src);
            t.update_checksum_u32(SRC.to_bits(), new_src.to_bits());
            t.set_src_port_incremental(sport);
            t.set_seq_number_incremental(seq);
            let incremental = t.checksum();
            t.fill_checksum_v4(new_src, DST);
            prop_assert_eq!(incremental, t.checksum());
        }
    }
}
