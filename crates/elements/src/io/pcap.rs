//! Capture files: a reader for classic pcap and pcapng, a writer for classic
//! pcap, and a small pcapng writer for generators and tests.
//!
//! Key decision: the file is untrusted input read as a stream. Every length
//! is checked before it is used, every failure is a [`CaptureError`] naming
//! the file and the byte offset of the record or block at fault, and the
//! reader returns each packet as a slice of one buffer it reuses, so reading
//! allocates nothing per packet once the buffer has grown to the largest
//! record. Unknown pcapng blocks are skipped by streaming past them, never
//! buffered, so their size costs nothing.
//!
//! Formats read: classic pcap in either byte order with the microsecond
//! (`a1b2c3d4`), nanosecond (`a1b23c4d`) and Kuznetzov-modified
//! (`a1b2cd34`) magic numbers, versions 2.x (with the caplen/len swap of
//! files before 2.3, as Click and libpcap do); pcapng in either byte order,
//! with Section Header, Interface Description (link type, snap length,
//! `if_tsresol`, `if_tsoffset`), Enhanced Packet, Simple Packet and the
//! obsolete Packet block, several sections and interfaces.

use std::fmt;
use std::io::{self, Read, Write};

use packet::Timestamp;

/// Link-layer types (pcap `LINKTYPE_*` / `DLT_*` values) used here.
pub mod linktype {
    /// BSD loopback: a 4-byte address family, then the packet.
    pub const NULL: u32 = 0;
    /// Ethernet.
    pub const ETHERNET: u32 = 1;
    /// Raw IPv4 or IPv6, by the version nibble (`LINKTYPE_RAW`).
    pub const RAW: u32 = 101;
    /// Raw IP as some BSDs number it (`DLT_RAW` 12 on OpenBSD and others).
    pub const HOST_RAW: u32 = 12;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4 only.
    pub const IPV4: u32 = 228;
    /// Raw IPv6 only.
    pub const IPV6: u32 = 229;
}

/// Maps the several raw-IP numbers to [`linktype::RAW`] (Click maps 12 to
/// 101; 228 and 229 are the newer IPv4-only and IPv6-only numbers).
pub fn canonical_link_type(lt: u32) -> u32 {
    match lt {
        linktype::HOST_RAW | linktype::IPV4 | linktype::IPV6 => linktype::RAW,
        other => other,
    }
}

/// Click's names for link types, as its `encap` handlers print them and
/// ToDump's `ENCAP` accepts them.
const LINK_TYPE_NAMES: &[(&str, u32)] = &[
    ("NULL", 0),
    ("IP", 101),
    ("ETHER", 1),
    ("FDDI", 10),
    ("ATM", 100),
    ("RFC1483", 100),
    ("ATM_RFC1483", 100),
    ("802_11", 105),
    ("802.11", 105),
    ("802_11_RADIO", 127),
    ("802.11_RADIO", 127),
    ("SLL", 113),
    ("AIRONET", 120),
    ("HDLC", 104),
    ("PPP_HDLC", 50),
    ("PPP", 9),
    ("SUNATM", 123),
    ("PRISM", 119),
];

/// Click's name for a link type: `ETHER`, `IP`, … or `#N` for others.
pub fn link_type_name(lt: u32) -> String {
    match LINK_TYPE_NAMES.iter().find(|&&(_, v)| v == lt) {
        Some((name, _)) => (*name).to_string(),
        None => format!("#{lt}"),
    }
}

/// Parses a link type name as Click's `ENCAP` arguments do: a name from
/// [`link_type_name`] or `#N`.
pub fn parse_link_type(text: &str) -> Option<u32> {
    if let Some(&(_, v)) = LINK_TYPE_NAMES.iter().find(|&&(n, _)| n == text) {
        return Some(v);
    }
    let n: u32 = text.strip_prefix('#')?.parse().ok()?;
    (n < 0x7FFF_FFFF).then_some(n)
}

/// Classic pcap magic number, microsecond timestamps.
pub const PCAP_MAGIC_USEC: u32 = 0xA1B2_C3D4;
/// Classic pcap magic number, nanosecond timestamps.
pub const PCAP_MAGIC_NSEC: u32 = 0xA1B2_3C4D;
/// Alexey Kuznetzov's modified pcap: 8 more bytes in every record header.
pub const PCAP_MAGIC_MODIFIED: u32 = 0xA1B2_CD34;
/// pcapng Section Header Block type (the same in both byte orders).
pub const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
/// pcapng byte-order magic.
pub const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// pcapng block types read here.
pub mod block {
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const PACKET_OBSOLETE: u32 = 2;
    pub const SIMPLE_PACKET: u32 = 3;
    pub const NAME_RESOLUTION: u32 = 4;
    pub const INTERFACE_STATISTICS: u32 = 5;
    pub const ENHANCED_PACKET: u32 = 6;
}

/// Longest captured length accepted in a record (libpcap's maximum snap
/// length); longer ones mean a corrupt file.
pub const MAX_CAPLEN: u32 = 262_144;
/// Longest pcapng block that is read into memory (section headers,
/// interface descriptions, packets with their options). Other blocks are
/// skipped however long they are.
pub const MAX_BUFFERED_BLOCK: u32 = MAX_CAPLEN + 65_536;

/// What is wrong with a capture file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatProblem {
    #[error("not a capture file (shorter than a file header)")]
    TooShort,
    #[error("not a pcap or pcapng file (magic number {0:#010x})")]
    BadMagic(u32),
    #[error("unsupported pcap version {major}.{minor}")]
    PcapVersion { major: u16, minor: u16 },
    #[error("truncated {what}: the file ends after {have} of its {need} bytes")]
    Truncated {
        what: &'static str,
        have: u64,
        need: u64,
    },
    #[error("captured length {caplen} exceeds the limit of {MAX_CAPLEN} bytes")]
    CaplenTooLarge { caplen: u32 },
    #[error("pcapng section header has bad byte-order magic {0:#010x}")]
    BadByteOrderMagic(u32),
    #[error("unsupported pcapng version {major}.{minor}")]
    PcapNgVersion { major: u16, minor: u16 },
    #[error("pcapng block of type {block_type:#x} has invalid length {len}")]
    BadBlockLength { block_type: u32, len: u32 },
    #[error(
        "pcapng block of type {block_type:#x} is {len} bytes, more than the limit of {MAX_BUFFERED_BLOCK}"
    )]
    BlockTooLong { block_type: u32, len: u32 },
    #[error("pcapng block's trailing length {trailer} differs from its leading length {len}")]
    BlockLengthMismatch { len: u32, trailer: u32 },
    #[error("pcapng {what} block is too short for its fields")]
    BlockTooShort { what: &'static str },
    #[error("pcapng packet's captured length {caplen} runs past the end of its block")]
    CaplenPastBlock { caplen: u32 },
    #[error("pcapng option {code} runs past the end of its block")]
    OptionPastBlock { code: u16 },
    #[error("pcapng packet refers to interface {id}, but the section defines {count}")]
    UnknownInterface { id: u32, count: usize },
    #[error("pcapng block of type {block_type:#x} before any section header")]
    NoSection { block_type: u32 },
    #[error("pcapng if_tsresol {0:#04x} is not supported")]
    BadTsResol(u8),
}

/// Why a capture file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The operating system refused (open, read).
    #[error("{file}: {source}")]
    Io { file: String, source: io::Error },
    /// The bytes are not a valid capture at `offset`.
    #[error("{file}: byte {offset}: {problem}")]
    Format {
        file: String,
        offset: u64,
        problem: FormatProblem,
    },
}

impl CaptureError {
    /// The format problem, if this is one.
    pub fn problem(&self) -> Option<&FormatProblem> {
        match self {
            CaptureError::Format { problem, .. } => Some(problem),
            CaptureError::Io { .. } => None,
        }
    }
}

/// Byte order of a file's multi-byte fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
    /// The machine's own order (what Click's ToDump writes).
    Native,
}

impl ByteOrder {
    fn is_big(self) -> bool {
        match self {
            ByteOrder::Big => true,
            ByteOrder::Little => false,
            ByteOrder::Native => cfg!(target_endian = "big"),
        }
    }

    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let a: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.is_big() {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.is_big() {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        let a: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.is_big() {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }

    fn put_u16(self, v: u16) -> [u8; 2] {
        if self.is_big() {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn put_u32(self, v: u32) -> [u8; 4] {
        if self.is_big() {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
}

/// One packet read from a capture: a view into the reader's buffer, valid
/// until the next read.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// When the packet was captured.
    pub timestamp: Timestamp,
    /// Length of the packet on the wire (at least `data.len()`).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The link type of the packet's interface, canonical (see
    /// [`canonical_link_type`]).
    pub link_type: u32,
    /// File offset of the record (pcap) or block (pcapng).
    pub offset: u64,
}

/// Which kind of file a reader is reading, and its header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
        version: (u16, u16),
        snaplen: u32,
    },
    PcapNg,
}

/// A byte source with its position, for error offsets.
struct Input<R> {
    src: R,
    pos: u64,
    file: String,
}

impl<R: Read> Input<R> {
    fn format_error(&self, offset: u64, problem: FormatProblem) -> CaptureError {
        CaptureError::Format {
            file: self.file.clone(),
            offset,
            problem,
        }
    }

    fn io_error(&self, source: io::Error) -> CaptureError {
        CaptureError::Io {
            file: self.file.clone(),
            source,
        }
    }

    /// Reads as much of `dst` as the source has; returns the count.
    fn read_some(&mut self, dst: &mut [u8]) -> Result<usize, CaptureError> {
        let mut got = 0;
        while got < dst.len() {
            match self.src.read(&mut dst[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e)),
            }
        }
        self.pos += got as u64;
        Ok(got)
    }

    /// Fills `dst`. `Ok(false)` if the source was already at its end; an
    /// error if it ends part way.
    fn fill_or_eof(
        &mut self,
        dst: &mut [u8],
        what: &'static str,
        start: u64,
    ) -> Result<bool, CaptureError> {
        let got = self.read_some(dst)?;
        if got == 0 && !dst.is_empty() {
            return Ok(false);
        }
        if got < dst.len() {
            return Err(self.truncated(what, start, got as u64, dst.len() as u64));
        }
        Ok(true)
    }

    fn truncated(&self, what: &'static str, start: u64, have: u64, need: u64) -> CaptureError {
        self.format_error(start, FormatProblem::Truncated { what, have, need })
    }

    /// Replaces `buf`'s contents with the next `n` bytes. `have` bytes of
    /// the item were already read (for the error message).
    fn read_vec(
        &mut self,
        buf: &mut Vec<u8>,
        n: usize,
        what: &'static str,
        start: u64,
        have: u64,
    ) -> Result<(), CaptureError> {
        buf.clear();
        // `take` + `read_to_end` grows the buffer only as bytes arrive, so a
        // corrupt length cannot make us allocate more than the file holds.
        let got = match (&mut self.src).take(n as u64).read_to_end(buf) {
            Ok(g) => g,
            Err(e) => return Err(self.io_error(e)),
        };
        self.pos += got as u64;
        if got < n {
            return Err(self.truncated(what, start, have + got as u64, have + n as u64));
        }
        Ok(())
    }

    /// Skips the next `n` bytes.
    fn skip(
        &mut self,
        n: u64,
        what: &'static str,
        start: u64,
        have: u64,
    ) -> Result<(), CaptureError> {
        let got = match io::copy(&mut (&mut self.src).take(n), &mut io::sink()) {
            Ok(g) => g,
            Err(e) => return Err(self.io_error(e)),
        };
        self.pos += got;
        if got < n {
            return Err(self.truncated(what, start, have + got, have + n));
        }
        Ok(())
    }
}

/// State of a classic pcap file.
#[derive(Clone, Copy, Debug)]
struct PcapState {
    order: ByteOrder,
    nanosecond: bool,
    /// Extra bytes after the 16-byte record header (modified pcap).
    extra_header: usize,
    minor: u16,
    link_type: u32,
}

/// pcapng timestamp resolution of an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    /// Units of 10^-n seconds.
    Decimal(u8),
    /// Units of 2^-n seconds.
    Binary(u8),
}

const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

impl Resolution {
    fn from_option(v: u8) -> Option<Resolution> {
        if v & 0x80 == 0 {
            (v <= 19).then_some(Resolution::Decimal(v))
        } else {
            let n = v & 0x7F;
            (n <= 63).then_some(Resolution::Binary(n))
        }
    }

    /// Nanoseconds since the epoch for a count of units.
    fn to_ns(self, units: u64) -> u64 {
        match self {
            Resolution::Decimal(n) if n <= 9 => units.saturating_mul(POW10[9 - n as usize]),
            Resolution::Decimal(n) => units / POW10[(n - 9) as usize],
            Resolution::Binary(n) => {
                let sec = units >> n;
                let frac = units & ((1u64 << n) - 1);
                let ns = ((frac as u128 * 1_000_000_000) >> n) as u64;
                sec.saturating_mul(1_000_000_000).saturating_add(ns)
            }
        }
    }

    /// Units for nanoseconds since the epoch (the writer's inverse of
    /// `to_ns`).
    fn units_of_ns(self, ns: u64) -> u64 {
        match self {
            Resolution::Decimal(n) if n <= 9 => ns / POW10[9 - n as usize],
            Resolution::Decimal(n) => ns.saturating_mul(POW10[(n - 9) as usize]),
            Resolution::Binary(n) => {
                let sec = ns / 1_000_000_000;
                let sub = (ns % 1_000_000_000) as u128;
                (sec << n) | ((sub << n) / 1_000_000_000) as u64
            }
        }
    }
}

/// One pcapng interface.
#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    resolution: Resolution,
    /// `if_tsoffset`: seconds added to every timestamp.
    offset_sec: i64,
}

impl Interface {
    fn timestamp(&self, units: u64) -> Timestamp {
        let ns = self.resolution.to_ns(units);
        let off = self.offset_sec.saturating_mul(1_000_000_000);
        Timestamp(if off >= 0 {
            ns.saturating_add(off as u64)
        } else {
            ns.saturating_sub(off.unsigned_abs())
        })
    }
}

/// State of a pcapng file.
#[derive(Debug)]
struct NgState {
    order: ByteOrder,
    in_section: bool,
    interfaces: Vec<Interface>,
}

#[derive(Debug)]
enum State {
    Pcap(PcapState),
    Ng(NgState),
}

/// Reads packets from a pcap or pcapng stream.
pub struct CaptureReader<R> {
    input: Input<R>,
    buf: Vec<u8>,
    state: State,
    format: CaptureFormat,
}

impl<R> fmt::Debug for CaptureReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureReader")
            .field("file", &self.input.file)
            .field("pos", &self.input.pos)
            .field("format", &self.format)
            .finish()
    }
}

impl CaptureReader<io::BufReader<std::fs::File>> {
    /// Opens the capture file at `path`.
    pub fn open(path: &str) -> Result<Self, CaptureError> {
        let file = std::fs::File::open(path).map_err(|source| CaptureError::Io {
            file: path.to_string(),
            source,
        })?;
        CaptureReader::new(io::BufReader::with_capacity(1 << 16, file), path)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Starts reading `src`, named `file` in errors; reads the file header
    /// (and, for pcapng, up to the first interface description).
    pub fn new(src: R, file: &str) -> Result<Self, CaptureError> {
        let mut input = Input {
            src,
            pos: 0,
            file: file.to_string(),
        };
        let mut magic = [0u8; 4];
        let got = input.read_some(&mut magic)?;
        if got < 4 {
            return Err(input.format_error(0, FormatProblem::TooShort));
        }
        let le = u32::from_le_bytes(magic);
        let be = u32::from_be_bytes(magic);
        if le == PCAPNG_SHB {
            let mut reader = CaptureReader {
                input,
                buf: Vec::new(),
                state: State::Ng(NgState {
                    order: ByteOrder::Little,
                    in_section: false,
                    interfaces: Vec::new(),
                }),
                format: CaptureFormat::PcapNg,
            };
            let mut len = [0u8; 4];
            if !reader
                .input
                .fill_or_eof(&mut len, "section header block", 0)?
            {
                return Err(reader.input.format_error(0, FormatProblem::TooShort));
            }
            reader.section_header(0, len)?;
            reader.prime()?;
            return Ok(reader);
        }
        let order = match (le, be) {
            (PCAP_MAGIC_USEC | PCAP_MAGIC_NSEC | PCAP_MAGIC_MODIFIED, _) => ByteOrder::Little,
            (_, PCAP_MAGIC_USEC | PCAP_MAGIC_NSEC | PCAP_MAGIC_MODIFIED) => ByteOrder::Big,
            _ => return Err(input.format_error(0, FormatProblem::BadMagic(be))),
        };
        let magic = if order == ByteOrder::Little { le } else { be };
        let mut rest = [0u8; 20];
        if input.read_some(&mut rest)? < rest.len() {
            return Err(input.format_error(0, FormatProblem::TooShort));
        }
        let field16 = |at| order.u16(&rest, at).unwrap_or(0);
        let field32 = |at| order.u32(&rest, at).unwrap_or(0);
        let (major, minor) = (field16(0), field16(2));
        if major != 2 {
            return Err(input.format_error(0, FormatProblem::PcapVersion { major, minor }));
        }
        let snaplen = field32(12);
        // The upper bits of the link type field carry FCS information.
        let link_type = canonical_link_type(field32(16) & 0xFFFF);
        let state = PcapState {
            order,
            nanosecond: magic == PCAP_MAGIC_NSEC,
            extra_header: if magic == PCAP_MAGIC_MODIFIED { 8 } else { 0 },
            minor,
            link_type,
        };
        Ok(CaptureReader {
            input,
            buf: Vec::new(),
            format: CaptureFormat::Pcap {
                big_endian: order == ByteOrder::Big,
                nanosecond: state.nanosecond,
                version: (major, minor),
                snaplen,
            },
            state: State::Pcap(state),
        })
    }

    /// The file's format and header fields.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// The file's link type, canonical: for pcapng, that of the first
    /// interface (`None` if the file has none yet).
    pub fn link_type(&self) -> Option<u32> {
        match &self.state {
            State::Pcap(p) => Some(p.link_type),
            State::Ng(n) => n.interfaces.first().map(|i| i.link_type),
        }
    }

    /// Bytes consumed so far: the offset of the next record or block.
    pub fn position(&self) -> u64 {
        self.input.pos
    }

    /// The name used in errors.
    pub fn file_name(&self) -> &str {
        &self.input.file
    }

    /// The next packet, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        match self.state {
            State::Pcap(p) => self.next_pcap(p),
            State::Ng(_) => self.next_ng(),
        }
    }

    fn next_pcap(&mut self, st: PcapState) -> Result<Option<Record<'_>>, CaptureError> {
        let start = self.input.pos;
        let mut header = [0u8; 24];
        let hlen = 16 + st.extra_header;
        if !self
            .input
            .fill_or_eof(&mut header[..hlen], "packet record header", start)?
        {
            return Ok(None);
        }
        let o = st.order;
        let sec = o.u32(&header, 0).unwrap_or(0);
        let frac = o.u32(&header, 4).unwrap_or(0);
        let incl = o.u32(&header, 8).unwrap_or(0);
        let orig = o.u32(&header, 12).unwrap_or(0);
        // Files before version 2.3 may have the two lengths swapped.
        let (mut caplen, len) = if st.minor > 3 || (st.minor == 3 && incl <= orig) {
            (incl, orig)
        } else {
            (orig, incl)
        };
        if caplen > MAX_CAPLEN {
            return Err(self
                .input
                .format_error(start, FormatProblem::CaplenTooLarge { caplen }));
        }
        // Some writers (tcptrace) store a captured length one more than the
        // wire length; keep the wire length and skip the rest, as Click does.
        let mut skip = 0;
        if caplen > len {
            skip = caplen - len;
            caplen = len;
        }
        let have = hlen as u64;
        self.input
            .read_vec(&mut self.buf, caplen as usize, "packet record", start, have)?;
        if skip > 0 {
            self.input
                .skip(skip as u64, "packet record", start, have + caplen as u64)?;
        }
        let ns = if st.nanosecond {
            frac as u64
        } else {
            (frac as u64).saturating_mul(1000)
        };
        Ok(Some(Record {
            timestamp: Timestamp((sec as u64) * 1_000_000_000 + ns),
            orig_len: len,
            data: &self.buf,
            link_type: st.link_type,
            offset: start,
        }))
    }

    fn ng(&mut self) -> &mut NgState {
        match &mut self.state {
            State::Ng(n) => n,
            // Only called on pcapng readers.
            State::Pcap(_) => unreachable!("pcapng state on a pcap reader"),
        }
    }

    fn ng_ref(&self) -> &NgState {
        match &self.state {
            State::Ng(n) => n,
            State::Pcap(_) => unreachable!("pcapng state on a pcap reader"),
        }
    }

    /// Reads the rest of a section header block at `start` whose type and
    /// length field (`len_bytes`, order still unknown) have been consumed.
    fn section_header(&mut self, start: u64, len_bytes: [u8; 4]) -> Result<(), CaptureError> {
        let mut bom = [0u8; 4];
        if !self
            .input
            .fill_or_eof(&mut bom, "section header block", start)?
        {
            return Err(self.input.truncated("section header block", start, 8, 28));
        }
        let bom_le = u32::from_le_bytes(bom);
        let order = if bom_le == PCAPNG_BYTE_ORDER_MAGIC {
            ByteOrder::Little
        } else if bom_le.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC {
            ByteOrder::Big
        } else {
            return Err(self
                .input
                .format_error(start, FormatProblem::BadByteOrderMagic(bom_le)));
        };
        let len = order.u32(&len_bytes, 0).unwrap_or(0);
        if len < 28 || !len.is_multiple_of(4) {
            return Err(self.input.format_error(
                start,
                FormatProblem::BadBlockLength {
                    block_type: PCAPNG_SHB,
                    len,
                },
            ));
        }
        if len > MAX_BUFFERED_BLOCK {
            return Err(self.input.format_error(
                start,
                FormatProblem::BlockTooLong {
                    block_type: PCAPNG_SHB,
                    len,
                },
            ));
        }
        // Version, section length, options, trailing length.
        self.input.read_vec(
            &mut self.buf,
            (len - 12) as usize,
            "section header block",
            start,
            12,
        )?;
        let major = order.u16(&self.buf, 0).unwrap_or(0);
        let minor = order.u16(&self.buf, 2).unwrap_or(0);
        if major != 1 {
            return Err(self
                .input
                .format_error(start, FormatProblem::PcapNgVersion { major, minor }));
        }
        self.check_trailer(order, len, start)?;
        let ng = self.ng();
        ng.order = order;
        ng.in_section = true;
        ng.interfaces.clear();
        Ok(())
    }

    /// Checks that the block in `buf` (everything after its 8-byte header)
    /// ends with its length again.
    fn check_trailer(&self, order: ByteOrder, len: u32, start: u64) -> Result<(), CaptureError> {
        let at = self.buf.len().saturating_sub(4);
        let trailer = order.u32(&self.buf, at).unwrap_or(0);
        if trailer != len {
            return Err(self
                .input
                .format_error(start, FormatProblem::BlockLengthMismatch { len, trailer }));
        }
        Ok(())
    }

    /// Reads blocks up to and including the first interface description,
    /// so that the link type is known before the first packet.
    fn prime(&mut self) -> Result<(), CaptureError> {
        while self.ng_ref().interfaces.is_empty() {
            let start = self.input.pos;
            let mut head = [0u8; 8];
            if !self.input.fill_or_eof(&mut head, "block header", start)? {
                return Ok(());
            }
            let order = self.ng_ref().order;
            let block_type = order.u32(&head, 0).unwrap_or(0);
            if block_type == PCAPNG_SHB {
                self.section_header(start, [head[4], head[5], head[6], head[7]])?;
                continue;
            }
            let len = order.u32(&head, 4).unwrap_or(0);
            if self.block_body(block_type, len, start)? {
                // A packet before any interface description: decoding it
                // reports the unknown interface (or a worse problem).
                self.packet_block(block_type, start)?;
                return Err(self
                    .input
                    .format_error(start, FormatProblem::UnknownInterface { id: 0, count: 0 }));
            }
        }
        Ok(())
    }

    /// Handles a non-section block whose 8-byte header has been read:
    /// interface descriptions are recorded, other non-packet blocks skipped.
    /// Returns `true` if the block is a packet block now held in `buf`.
    fn block_body(&mut self, block_type: u32, len: u32, start: u64) -> Result<bool, CaptureError> {
        if len < 12 || !len.is_multiple_of(4) {
            return Err(self
                .input
                .format_error(start, FormatProblem::BadBlockLength { block_type, len }));
        }
        if !self.ng_ref().in_section {
            return Err(self
                .input
                .format_error(start, FormatProblem::NoSection { block_type }));
        }
        let rest = len - 8;
        match block_type {
            block::INTERFACE_DESCRIPTION
            | block::ENHANCED_PACKET
            | block::SIMPLE_PACKET
            | block::PACKET_OBSOLETE => {
                if len > MAX_BUFFERED_BLOCK {
                    return Err(self
                        .input
                        .format_error(start, FormatProblem::BlockTooLong { block_type, len }));
                }
                self.input
                    .read_vec(&mut self.buf, rest as usize, "pcapng block", start, 8)?;
                let order = self.ng_ref().order;
                self.check_trailer(order, len, start)?;
                if block_type == block::INTERFACE_DESCRIPTION {
                    self.interface_description(start)?;
                    Ok(false)
                } else {
                    Ok(true)
                }
            }
            _ => {
                self.input.skip(rest as u64, "pcapng block", start, 8)?;
                Ok(false)
            }
        }
    }

    fn interface_description(&mut self, start: u64) -> Result<(), CaptureError> {
        let order = self.ng_ref().order;
        let body = &self.buf[..self.buf.len().saturating_sub(4)];
        let (Some(link_type), Some(snaplen)) = (order.u16(body, 0), order.u32(body, 4)) else {
            return Err(self.input.format_error(
                start,
                FormatProblem::BlockTooShort {
                    what: "interface description",
                },
            ));
        };
        let mut iface = Interface {
            link_type: canonical_link_type(link_type as u32),
            snaplen,
            resolution: Resolution::Decimal(6),
            offset_sec: 0,
        };
        let mut at = 8usize;
        while let (Some(code), Some(olen)) = (order.u16(body, at), order.u16(body, at + 2)) {
            if code == 0 {
                break;
            }
            let vstart = at + 4;
            let Some(value) = body.get(vstart..vstart + olen as usize) else {
                return Err(self
                    .input
                    .format_error(start, FormatProblem::OptionPastBlock { code }));
            };
            match (code, value) {
                (9, [v, ..]) => {
                    iface.resolution = Resolution::from_option(*v).ok_or_else(|| {
                        self.input
                            .format_error(start, FormatProblem::BadTsResol(*v))
                    })?;
                }
                (14, v) if v.len() == 8 => {
                    iface.offset_sec = order.u64(v, 0).unwrap_or(0) as i64;
                }
                _ => {}
            }
            at = vstart + (olen as usize).next_multiple_of(4);
        }
        self.ng().interfaces.push(iface);
        Ok(())
    }

    fn next_ng(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        loop {
            let start = self.input.pos;
            let mut head = [0u8; 8];
            if !self.input.fill_or_eof(&mut head, "block header", start)? {
                return Ok(None);
            }
            let order = self.ng_ref().order;
            let block_type = order.u32(&head, 0).unwrap_or(0);
            if block_type == PCAPNG_SHB {
                self.section_header(start, [head[4], head[5], head[6], head[7]])?;
                continue;
            }
            let len = order.u32(&head, 4).unwrap_or(0);
            if !self.block_body(block_type, len, start)? {
                continue;
            }
            return self.packet_block(block_type, start).map(Some);
        }
    }

    /// Decodes the packet block held in `buf`.
    fn packet_block(&self, block_type: u32, start: u64) -> Result<Record<'_>, CaptureError> {
        let ng = self.ng_ref();
        let order = ng.order;
        let body = &self.buf[..self.buf.len().saturating_sub(4)];
        let too_short = |what| {
            self.input
                .format_error(start, FormatProblem::BlockTooShort { what })
        };
        let iface_of = |id: u32| {
            ng.interfaces.get(id as usize).ok_or_else(|| {
                self.input.format_error(
                    start,
                    FormatProblem::UnknownInterface {
                        id,
                        count: ng.interfaces.len(),
                    },
                )
            })
        };
        let (iface, timestamp, caplen, orig_len, data_at) = if block_type == block::SIMPLE_PACKET {
            let orig = order
                .u32(body, 0)
                .ok_or_else(|| too_short("simple packet"))?;
            let iface = iface_of(0)?;
            let room = (body.len() - 4) as u32;
            let mut caplen = orig.min(room);
            if iface.snaplen != 0 {
                caplen = caplen.min(iface.snaplen);
            }
            (iface, Timestamp(0), caplen, orig, 4)
        } else {
            let what = if block_type == block::ENHANCED_PACKET {
                "enhanced packet"
            } else {
                "packet"
            };
            let id = if block_type == block::ENHANCED_PACKET {
                order.u32(body, 0)
            } else {
                order.u16(body, 0).map(u32::from)
            };
            let (Some(id), Some(hi), Some(lo), Some(caplen), Some(orig)) = (
                id,
                order.u32(body, 4),
                order.u32(body, 8),
                order.u32(body, 12),
                order.u32(body, 16),
            ) else {
                return Err(too_short(what));
            };
            let iface = iface_of(id)?;
            let units = ((hi as u64) << 32) | lo as u64;
            (iface, iface.timestamp(units), caplen, orig, 20)
        };
        if caplen > MAX_CAPLEN {
            return Err(self
                .input
                .format_error(start, FormatProblem::CaplenTooLarge { caplen }));
        }
        let Some(data) = body.get(data_at..data_at + caplen as usize) else {
            return Err(self
                .input
                .format_error(start, FormatProblem::CaplenPastBlock { caplen }));
        };
        Ok(Record {
            timestamp,
            orig_len: orig_len.max(caplen),
            data,
            link_type: iface.link_type,
            offset: start,
        })
    }
}

/// Options for a [`PcapWriter`].
#[derive(Clone, Copy, Debug)]
pub struct PcapWriterOptions {
    /// Nanosecond timestamps (the `a1b23c4d` magic) instead of microseconds.
    pub nanosecond: bool,
    /// Most bytes written of a packet; 0 is no limit (the header then says
    /// 0xFFFFFFFF, as Click's ToDump writes).
    pub snaplen: u32,
    /// Link type for the file header.
    pub link_type: u32,
    pub byte_order: ByteOrder,
}

impl Default for PcapWriterOptions {
    fn default() -> Self {
        PcapWriterOptions {
            nanosecond: false,
            snaplen: 65_535,
            link_type: linktype::ETHERNET,
            byte_order: ByteOrder::Native,
        }
    }
}

/// Writes a classic pcap file: version 2.4, zone 0, sigfigs 0 — the header
/// fields Click's ToDump writes.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    opts: PcapWriterOptions,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header to `out`.
    pub fn new(mut out: W, mut opts: PcapWriterOptions) -> io::Result<Self> {
        if opts.snaplen == 0 {
            opts.snaplen = u32::MAX;
        }
        let o = opts.byte_order;
        let magic = if opts.nanosecond {
            PCAP_MAGIC_NSEC
        } else {
            PCAP_MAGIC_USEC
        };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&o.put_u32(magic));
        h[4..6].copy_from_slice(&o.put_u16(2));
        h[6..8].copy_from_slice(&o.put_u16(4));
        // thiszone and sigfigs stay 0.
        h[16..20].copy_from_slice(&o.put_u32(opts.snaplen));
        h[20..24].copy_from_slice(&o.put_u32(opts.link_type));
        out.write_all(&h)?;
        Ok(PcapWriter { out, opts })
    }

    /// Writes one packet: at most snaplen bytes of `data`, with `orig_len`
    /// (at least `data.len()`) as its wire length.
    pub fn write_packet(&mut self, ts: Timestamp, data: &[u8], orig_len: u32) -> io::Result<()> {
        let o = self.opts.byte_order;
        let caplen = (data.len() as u64).min(self.opts.snaplen as u64) as usize;
        let frac = if self.opts.nanosecond {
            ts.nsec()
        } else {
            ts.usec()
        };
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&o.put_u32(ts.sec() as u32));
        h[4..8].copy_from_slice(&o.put_u32(frac));
        h[8..12].copy_from_slice(&o.put_u32(caplen as u32));
        h[12..16].copy_from_slice(&o.put_u32(orig_len));
        self.out.write_all(&h)?;
        self.out.write_all(&data[..caplen])
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes a pcapng file: one section, interfaces added as needed, Enhanced
/// Packet Blocks. For generators and tests; elements write classic pcap.
#[derive(Debug)]
pub struct PcapNgWriter<W: Write> {
    out: W,
    order: ByteOrder,
    interfaces: Vec<Resolution>,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes a section header block to `out`.
    pub fn new(out: W, order: ByteOrder) -> io::Result<Self> {
        let mut w = PcapNgWriter {
            out,
            order,
            interfaces: Vec::new(),
        };
        let mut body = [0u8; 16];
        body[0..4].copy_from_slice(&order.put_u32(PCAPNG_BYTE_ORDER_MAGIC));
        body[4..6].copy_from_slice(&order.put_u16(1));
        body[6..8].copy_from_slice(&order.put_u16(0));
        // Section length unknown: -1.
        body[8..16].fill(0xFF);
        w.write_block(PCAPNG_SHB, &body)?;
        Ok(w)
    }

    /// Writes any block: type, length, `body` padded to 4 bytes, length.
    pub fn write_block(&mut self, block_type: u32, body: &[u8]) -> io::Result<()> {
        let padded = body.len().next_multiple_of(4);
        let len = u32::try_from(padded + 12)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block too long"))?;
        let o = self.order;
        self.out.write_all(&o.put_u32(block_type))?;
        self.out.write_all(&o.put_u32(len))?;
        self.out.write_all(body)?;
        self.out.write_all(&[0u8; 3][..padded - body.len()])?;
        self.out.write_all(&o.put_u32(len))
    }

    /// Adds an interface; `tsresol` is the `if_tsresol` option value (None:
    /// microseconds, no option). Returns the interface id.
    pub fn add_interface(
        &mut self,
        link_type: u16,
        snaplen: u32,
        tsresol: Option<u8>,
    ) -> io::Result<u32> {
        let o = self.order;
        let mut body = Vec::with_capacity(20);
        body.extend_from_slice(&o.put_u16(link_type));
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&o.put_u32(snaplen));
        let mut resolution = Resolution::Decimal(6);
        if let Some(v) = tsresol {
            resolution = Resolution::from_option(v)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad if_tsresol"))?;
            body.extend_from_slice(&o.put_u16(9));
            body.extend_from_slice(&o.put_u16(1));
            body.extend_from_slice(&[v, 0, 0, 0]);
            body.extend_from_slice(&[0, 0, 0, 0]);
        }
        self.write_block(block::INTERFACE_DESCRIPTION, &body)?;
        self.interfaces.push(resolution);
        Ok((self.interfaces.len() - 1) as u32)
    }

    /// Writes an Enhanced Packet Block on interface `iface`.
    pub fn write_packet(
        &mut self,
        iface: u32,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        let Some(&res) = self.interfaces.get(iface as usize) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no such interface",
            ));
        };
        let o = self.order;
        let units = res.units_of_ns(ts.0);
        let padded = data.len().next_multiple_of(4);
        let len = u32::try_from(32 + padded)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too long"))?;
        let mut h = [0u8; 28];
        h[0..4].copy_from_slice(&o.put_u32(block::ENHANCED_PACKET));
        h[4..8].copy_from_slice(&o.put_u32(len));
        h[8..12].copy_from_slice(&o.put_u32(iface));
        h[12..16].copy_from_slice(&o.put_u32((units >> 32) as u32));
        h[16..20].copy_from_slice(&o.put_u32(units as u32));
        h[20..24].copy_from_slice(&o.put_u32(data.len() as u32));
        h[24..28].copy_from_slice(&o.put_u32(orig_len));
        self.out.write_all(&h)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..padded - data.len()])?;
        self.out.write_all(&o.put_u32(len))
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests;
