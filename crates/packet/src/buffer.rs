//! Packet buffers and the pool they come from.
//!
//! Key decision: a [`Packet`] is one pointer to a fixed-size [`PacketBuffer`]
//! that holds the annotations and the bytes together, so moving a packet
//! between batches copies eight bytes and touching a packet touches one
//! allocation. Buffers are never freed on the data path: dropping a packet
//! returns its buffer to a per-thread free list, and surplus buffers move
//! between threads in chunks through a global exchange, so a producer on one
//! thread and a consumer on another reach a steady state with no allocation.

use std::cell::RefCell;
use std::fmt;
use std::sync::Mutex;

use crate::anno::Annotations;

/// Bytes kept free in front of a new packet's data, for encapsulation:
/// 120 bytes, which puts the first data byte at the start of a cache line
/// (the buffer's metadata fills the two lines before it).
pub const DEFAULT_HEADROOM: usize = 192 - std::mem::offset_of!(PacketBuffer, bytes);
// Room for at least an Ethernet, IPv4 and UDP header in front of a packet.
const _: () = assert!(DEFAULT_HEADROOM >= 64);

/// Total bytes of storage in one buffer (headroom + data + tailroom).
///
/// Large enough for a 9,000-byte jumbo frame plus headroom for several
/// encapsulations.
pub const BUFFER_CAPACITY: usize = 9728;
/// The longest packet a buffer can hold with the default headroom.
pub const MAX_PACKET_LEN: usize = BUFFER_CAPACITY - DEFAULT_HEADROOM;

/// Errors from operations that change a packet's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BufferError {
    #[error("not enough headroom: need {needed} bytes, have {available}")]
    NoHeadroom { needed: usize, available: usize },
    #[error("not enough tailroom: need {needed} bytes, have {available}")]
    NoTailroom { needed: usize, available: usize },
    #[error("packet has {len} bytes, cannot remove {requested}")]
    TooShort { len: usize, requested: usize },
    #[error("packet of {len} bytes exceeds buffer capacity {capacity}")]
    TooLong { len: usize, capacity: usize },
}

/// Storage for one packet: its annotations, then its bytes.
#[repr(C, align(64))]
pub struct PacketBuffer {
    head: u32,
    tail: u32,
    /// With `origin`: bytes at offsets from here on are as the origin
    /// filled them; bytes before may have been written (see
    /// [`Packet::data_prefix_mut`]).
    dirty_end: u32,
    /// Who filled the bytes, if they have not been written since: see
    /// [`Packet::origin`].
    origin: u64,
    /// Annotations carried with the packet (Click's annotation area).
    pub anno: Annotations,
    bytes: [u8; BUFFER_CAPACITY],
}

/// A packet: exclusively owned, with its own buffer.
///
/// Every packet has its own bytes, so a write never needs a copy first
/// (Click shares buffers between clones and copies on the first write).
pub struct Packet {
    buffer: Option<Box<PacketBuffer>>,
}

impl Packet {
    /// A new empty packet with [`DEFAULT_HEADROOM`] bytes of headroom and
    /// cleared annotations.
    #[inline]
    pub fn new() -> Packet {
        let mut buffer = pool_take();
        buffer.head = DEFAULT_HEADROOM as u32;
        buffer.tail = DEFAULT_HEADROOM as u32;
        buffer.anno = Annotations::default();
        Packet {
            buffer: Some(buffer),
        }
    }

    /// A new packet holding a copy of `data`; fails if `data` is longer
    /// than [`MAX_PACKET_LEN`].
    #[inline]
    pub fn from_slice(data: &[u8]) -> Result<Packet, BufferError> {
        let mut packet = Packet::new();
        packet.extend_from_slice(data)?;
        Ok(packet)
    }

    #[inline]
    fn buf(&self) -> &PacketBuffer {
        // The option is only `None` inside `drop`.
        match &self.buffer {
            Some(b) => b,
            None => unreachable!("packet used after drop"),
        }
    }

    #[inline]
    fn buf_mut(&mut self) -> &mut PacketBuffer {
        match &mut self.buffer {
            Some(b) => b,
            None => unreachable!("packet used after drop"),
        }
    }

    /// The buffer, for a change to its bytes: forgets who filled them.
    #[inline]
    fn bytes_written(&mut self) -> &mut PacketBuffer {
        let b = self.buf_mut();
        b.origin = 0;
        b
    }

    /// A new tag for [`Packet::set_origin`], never returned before.
    pub fn new_origin_tag() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The tag a source stored with [`Packet::set_origin`] when it filled
    /// this buffer, if no byte of the buffer has been written since (0
    /// otherwise). Buffers are recycled; a source that gets back a buffer
    /// carrying its own tag knows the bytes are exactly what it wrote, and
    /// can skip writing them again.
    #[inline]
    pub fn origin(&self) -> u64 {
        self.buf().origin
    }

    /// Records that the bytes from the start of the buffer to the end of the
    /// data are the filling identified by `tag`.
    #[inline]
    pub fn set_origin(&mut self, tag: u64) {
        let b = self.buf_mut();
        b.origin = tag;
        b.dirty_end = 0;
    }

    /// Makes the data `data`, as a source filling packets with the same
    /// bytes again and again does: when this buffer already holds the
    /// filling `tag` (see [`Packet::origin`]), only the bytes written since
    /// are copied again; otherwise all of `data` is copied and the buffer is
    /// tagged. Headroom goes back to the default.
    #[inline]
    pub fn refill(&mut self, tag: u64, data: &[u8]) -> Result<(), BufferError> {
        if self.origin() != tag || tag == 0 {
            self.reset_with(data)?;
            self.set_origin(tag);
            return Ok(());
        }
        self.set_extent(data.len())?;
        let b = self.buf_mut();
        let dirty = (b.dirty_end as usize)
            .saturating_sub(DEFAULT_HEADROOM)
            .min(data.len());
        if dirty > 0 {
            b.bytes[DEFAULT_HEADROOM..DEFAULT_HEADROOM + dirty].copy_from_slice(&data[..dirty]);
            b.dirty_end = 0;
        }
        Ok(())
    }

    /// Notes that bytes before buffer offset `end` may have changed, without
    /// forgetting the origin of the bytes after.
    #[inline]
    fn written_up_to(&mut self, end: usize) {
        let b = self.buf_mut();
        b.dirty_end = b.dirty_end.max(end.min(BUFFER_CAPACITY) as u32);
    }

    /// The first `n` bytes of the data (all of it if shorter), writable.
    /// Prefer this to [`Packet::data_mut`] when only a header changes: a
    /// source refilling this buffer later copies back only those bytes.
    #[inline]
    pub fn data_prefix_mut(&mut self, n: usize) -> &mut [u8] {
        let end = self.data_offset() + n.min(self.len());
        self.written_up_to(end);
        let b = self.buf_mut();
        &mut b.bytes[b.head as usize..end]
    }

    /// The bytes at buffer offsets `start..end`, cut at the end of the data,
    /// writable (as [`Packet::data_prefix_mut`], for headers found through
    /// their annotations). `None` if `start` is past the end of the data.
    #[inline]
    pub fn buffer_range_mut(&mut self, start: usize, end: usize) -> Option<&mut [u8]> {
        let tail = self.buf().tail as usize;
        let end = end.min(tail);
        if start > end {
            return None;
        }
        self.written_up_to(end);
        self.buf_mut().bytes.get_mut(start..end)
    }

    /// Sets the extent of the data to `len` bytes after the default
    /// headroom, without touching the bytes (for a source that knows, by
    /// [`Packet::origin`], what they hold).
    #[inline]
    pub fn set_extent(&mut self, len: usize) -> Result<(), BufferError> {
        if len > MAX_PACKET_LEN {
            return Err(BufferError::TooLong {
                len,
                capacity: MAX_PACKET_LEN,
            });
        }
        let b = self.buf_mut();
        b.head = DEFAULT_HEADROOM as u32;
        b.tail = (DEFAULT_HEADROOM + len) as u32;
        Ok(())
    }

    /// The packet's bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        let b = self.buf();
        &b.bytes[b.head as usize..b.tail as usize]
    }

    /// The packet's bytes, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let b = self.bytes_written();
        &mut b.bytes[b.head as usize..b.tail as usize]
    }

    /// Length of the packet's data in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        let b = self.buf();
        (b.tail - b.head) as usize
    }

    /// True when the packet has no data.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes free in front of the data.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.buf().head as usize
    }

    /// Bytes free behind the data.
    #[inline]
    pub fn tailroom(&self) -> usize {
        BUFFER_CAPACITY - self.buf().tail as usize
    }

    /// Offset of the first data byte from the start of the buffer. Header
    /// annotations are buffer offsets, so they survive `pull`/`push`.
    #[inline]
    pub fn data_offset(&self) -> usize {
        self.buf().head as usize
    }

    /// The annotations.
    #[inline]
    pub fn anno(&self) -> &Annotations {
        &self.buf().anno
    }

    /// The annotations, writable.
    #[inline]
    pub fn anno_mut(&mut self) -> &mut Annotations {
        &mut self.buf_mut().anno
    }

    /// The whole buffer, from its first byte of headroom to its last byte of
    /// tailroom. Header annotations index into this.
    #[inline]
    pub fn buffer(&self) -> &[u8] {
        &self.buf().bytes
    }

    /// The whole buffer, writable.
    #[inline]
    pub fn buffer_mut(&mut self) -> &mut [u8] {
        &mut self.bytes_written().bytes
    }

    /// Removes `n` bytes from the front (Click's `pull`).
    #[inline]
    pub fn pull(&mut self, n: usize) -> Result<(), BufferError> {
        let len = self.len();
        if n > len {
            return Err(BufferError::TooShort { len, requested: n });
        }
        self.buf_mut().head += n as u32;
        Ok(())
    }

    /// Adds `n` bytes at the front, taken from the headroom (Click's `push`).
    /// The new bytes keep whatever the buffer held there.
    #[inline]
    pub fn push(&mut self, n: usize) -> Result<(), BufferError> {
        let available = self.headroom();
        if n > available {
            return Err(BufferError::NoHeadroom {
                needed: n,
                available,
            });
        }
        self.buf_mut().head -= n as u32;
        Ok(())
    }

    /// Removes `n` bytes from the end (Click's `take`).
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<(), BufferError> {
        let len = self.len();
        if n > len {
            return Err(BufferError::TooShort { len, requested: n });
        }
        self.buf_mut().tail -= n as u32;
        Ok(())
    }

    /// Adds `n` bytes at the end, taken from the tailroom (Click's `put`).
    /// The new bytes are zero.
    #[inline]
    pub fn put(&mut self, n: usize) -> Result<(), BufferError> {
        let available = self.tailroom();
        if n > available {
            return Err(BufferError::NoTailroom {
                needed: n,
                available,
            });
        }
        let b = self.bytes_written();
        let old = b.tail as usize;
        b.tail += n as u32;
        b.bytes[old..old + n].fill(0);
        Ok(())
    }

    /// Appends a copy of `data`.
    #[inline]
    pub fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), BufferError> {
        let available = self.tailroom();
        if data.len() > available {
            return Err(BufferError::TooLong {
                len: self.len() + data.len(),
                capacity: BUFFER_CAPACITY - self.headroom(),
            });
        }
        let b = self.bytes_written();
        let old = b.tail as usize;
        b.bytes[old..old + data.len()].copy_from_slice(data);
        b.tail += data.len() as u32;
        Ok(())
    }

    /// Sets the data length, growing with zero bytes or shrinking at the end.
    pub fn set_len(&mut self, len: usize) -> Result<(), BufferError> {
        let cur = self.len();
        if len >= cur {
            self.put(len - cur)
        } else {
            self.take(cur - len)
        }
    }

    /// Replaces the data with a copy of `data`, keeping annotations and
    /// resetting headroom to the default. This is how sources refill a
    /// recycled packet.
    #[inline]
    pub fn reset_with(&mut self, data: &[u8]) -> Result<(), BufferError> {
        if data.len() > MAX_PACKET_LEN {
            return Err(BufferError::TooLong {
                len: data.len(),
                capacity: MAX_PACKET_LEN,
            });
        }
        let b = self.bytes_written();
        b.head = DEFAULT_HEADROOM as u32;
        b.tail = (DEFAULT_HEADROOM + data.len()) as u32;
        b.bytes[DEFAULT_HEADROOM..DEFAULT_HEADROOM + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// A copy of this packet, data and annotations, in a new buffer (Click's
    /// `clone` followed by `uniqueify`; every packet owns its bytes here).
    /// The headroom is copied too, as Click copies the whole buffer: a
    /// header stripped before the copy comes back with `Unstrip`.
    pub fn duplicate(&self) -> Packet {
        let mut copy = Packet::new();
        let src = self.buf();
        let dst = copy.bytes_written();
        dst.head = src.head;
        dst.tail = src.tail;
        dst.anno = src.anno;
        let t = src.tail as usize;
        dst.bytes[..t].copy_from_slice(&src.bytes[..t]);
        copy
    }

    /// Bytes from the buffer offset `at` to the end of the data, if `at`
    /// lies within the buffer's used part.
    #[inline]
    fn bytes_from(&self, at: Option<usize>) -> Option<&[u8]> {
        let b = self.buf();
        let at = at?;
        b.bytes.get(at..b.tail as usize)
    }

    #[inline]
    fn bytes_from_mut(&mut self, at: Option<usize>) -> Option<&mut [u8]> {
        let b = self.bytes_written();
        let at = at?;
        b.bytes.get_mut(at..b.tail as usize)
    }

    /// The link-level header and everything after it, if marked.
    #[inline]
    pub fn mac_header(&self) -> Option<&[u8]> {
        self.bytes_from(self.anno().mac_header())
    }

    /// The network header and everything after it, if marked
    /// (Click's `network_header()`).
    #[inline]
    pub fn network_header(&self) -> Option<&[u8]> {
        self.bytes_from(self.anno().network_header())
    }

    #[inline]
    pub fn network_header_mut(&mut self) -> Option<&mut [u8]> {
        self.bytes_from_mut(self.anno().network_header())
    }

    /// The first `n` bytes from the network header (fewer if the packet
    /// ends sooner), writable; a source refilling this buffer later copies
    /// back only up to there. Prefer this to [`Packet::network_header_mut`]
    /// when only the header changes.
    #[inline]
    pub fn network_header_prefix_mut(&mut self, n: usize) -> Option<&mut [u8]> {
        let at = self.anno().network_header()?;
        self.buffer_range_mut(at, at.saturating_add(n))
    }

    /// The length of the IPv4 header at the network header (its IHL × 4),
    /// if a network header is marked and has a first byte.
    #[inline]
    pub fn ip_header_len(&self) -> Option<usize> {
        let first = *self.network_header()?.first()?;
        Some(usize::from(first & 0x0f) * 4)
    }

    /// The transport header and everything after it, if marked.
    #[inline]
    pub fn transport_header(&self) -> Option<&[u8]> {
        self.bytes_from(self.anno().transport_header())
    }

    #[inline]
    pub fn transport_header_mut(&mut self) -> Option<&mut [u8]> {
        self.bytes_from_mut(self.anno().transport_header())
    }

    /// Marks the link-level header at `data_offset` bytes into the data.
    #[inline]
    pub fn set_mac_header(&mut self, data_offset: usize) {
        let at = self.data_offset() + data_offset;
        self.anno_mut().set_mac_header(Some(at));
    }

    /// Marks the network header at `data_offset` bytes into the data, of
    /// `header_len` bytes, and the transport header right after it (Click's
    /// `set_network_header(p, len)`).
    #[inline]
    pub fn set_network_header(&mut self, data_offset: usize, header_len: usize) {
        let at = self.data_offset() + data_offset;
        let anno = self.anno_mut();
        anno.set_network_header(Some(at));
        anno.set_transport_header(Some(at + header_len));
    }

    /// Signed distance in bytes from the start of the data to the network
    /// header (negative when the header has been stripped off the front).
    #[inline]
    pub fn network_header_data_offset(&self) -> Option<isize> {
        let nh = self.anno().network_header()?;
        Some(nh as isize - self.data_offset() as isize)
    }
}

impl Default for Packet {
    fn default() -> Self {
        Packet::new()
    }
}

impl Drop for Packet {
    #[inline]
    fn drop(&mut self) {
        if let Some(buffer) = self.buffer.take() {
            pool_give(buffer);
        }
    }
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packet")
            .field("len", &self.len())
            .field("headroom", &self.headroom())
            .field("anno", self.anno())
            .finish()
    }
}

/// Buffers moved between threads at a time.
const CHUNK: usize = 256;
/// A thread keeps at most this many free buffers before handing a chunk to
/// the global exchange.
const LOCAL_LIMIT: usize = 2 * CHUNK;
/// Free buffers kept in the global exchange before surplus is released.
const GLOBAL_LIMIT_CHUNKS: usize = 64;

struct Exchange {
    full: Vec<Vec<Box<PacketBuffer>>>,
    empty: Vec<Vec<Box<PacketBuffer>>>,
}

static EXCHANGE: Mutex<Exchange> = Mutex::new(Exchange {
    full: Vec::new(),
    empty: Vec::new(),
});

thread_local! {
    static LOCAL: RefCell<Vec<Box<PacketBuffer>>> = RefCell::new(Vec::with_capacity(LOCAL_LIMIT + 1));
}

fn fresh_buffer() -> Box<PacketBuffer> {
    // Allocate zeroed storage directly: a 10 KiB value built on the stack and
    // moved would cost a copy for nothing.
    let layout = std::alloc::Layout::new::<PacketBuffer>();
    // SAFETY: PacketBuffer is plain data (integers and byte arrays) for which
    // all-zero bytes are a valid value, and the layout is non-zero-sized.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout) as *mut PacketBuffer;
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Box::from_raw(ptr)
    }
}

#[inline]
fn pool_take() -> Box<PacketBuffer> {
    let local = LOCAL.try_with(|local| {
        let mut local = local.borrow_mut();
        if let Some(b) = local.pop() {
            return Some(b);
        }
        let mut ex = EXCHANGE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut chunk) = ex.full.pop() {
            std::mem::swap(&mut *local, &mut chunk);
            ex.empty.push(chunk);
            return local.pop();
        }
        None
    });
    match local {
        Ok(Some(b)) => b,
        _ => fresh_buffer(),
    }
}

// Kept out of line so that dropping a packet inlines to a test and a call,
// and dropping an emptied packet (see `free_all`) to a test.
#[inline(never)]
fn pool_give(buffer: Box<PacketBuffer>) {
    // During thread teardown the local list may be gone; then just free.
    let _ = LOCAL.try_with(move |local| {
        let mut local = local.borrow_mut();
        local.push(buffer);
        if local.len() > LOCAL_LIMIT {
            let mut ex = EXCHANGE.lock().unwrap_or_else(|e| e.into_inner());
            if ex.full.len() >= GLOBAL_LIMIT_CHUNKS {
                let keep = local.len() - CHUNK;
                local.truncate(keep);
                return;
            }
            let mut chunk = ex.empty.pop().unwrap_or_default();
            let at = local.len() - CHUNK;
            chunk.extend(local.drain(at..));
            ex.full.push(chunk);
        }
    });
}

impl Packet {
    /// Appends `n` new empty packets to `into`, taking buffers from this
    /// thread's pool in one go (cheaper than `n` calls to [`Packet::new`]).
    pub fn alloc_into(n: usize, into: &mut Vec<Packet>) {
        Packet::alloc_into_with(n, into, |_| {});
    }

    /// [`Packet::alloc_into`], then `fill` on each new packet right after
    /// it is made empty: each buffer is touched once, while its first
    /// cache lines are still at hand (in two passes over a large batch,
    /// the second finds them evicted).
    #[inline]
    pub fn alloc_into_with(n: usize, into: &mut Vec<Packet>, mut fill: impl FnMut(&mut Packet)) {
        let start = into.len();
        let mut made = 0;
        let _ = LOCAL.try_with(|local| {
            let mut local = local.borrow_mut();
            while made < n {
                let Some(buffer) = local.pop() else { break };
                into.push(Packet {
                    buffer: Some(buffer),
                });
                made += 1;
            }
        });
        for _ in made..n {
            into.push(Packet::new());
        }
        for p in &mut into[start..] {
            let b = p.buf_mut();
            b.head = DEFAULT_HEADROOM as u32;
            b.tail = DEFAULT_HEADROOM as u32;
            b.anno = Annotations::default();
            fill(p);
        }
    }

    /// Returns every packet of `packets` to this thread's pool in one go.
    pub fn free_all(packets: &mut Vec<Packet>) {
        let _ = LOCAL.try_with(|local| {
            let mut local = local.borrow_mut();
            let room = (LOCAL_LIMIT + 1).saturating_sub(local.len());
            for p in packets.iter_mut().take(room) {
                if let Some(b) = p.buffer.take() {
                    local.push(b);
                }
            }
        });
        // Whatever did not fit goes through the ordinary path.
        packets.clear();
    }
}

/// Fills this thread's free list so that the first packets of a run do not
/// allocate. Call before timing or counting allocations.
pub fn prewarm(buffers: usize) {
    let held: Vec<Packet> = (0..buffers).map(|_| Packet::new()).collect();
    drop(held);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keeps_the_headroom_bytes() {
        let mut p = Packet::from_slice(&[1, 2, 3, 4, 5, 6]).unwrap();
        p.pull(2).unwrap();
        let mut copy = p.duplicate();
        assert_eq!(copy.data(), &[3, 4, 5, 6]);
        copy.push(2).unwrap();
        assert_eq!(copy.data(), &[1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn push_pull_put_take() {
        let mut p = Packet::from_slice(&[1, 2, 3, 4]).unwrap();
        assert_eq!(p.data(), &[1, 2, 3, 4]);
        p.pull(1).unwrap();
        assert_eq!(p.data(), &[2, 3, 4]);
        p.push(1).unwrap();
        assert_eq!(p.data(), &[1, 2, 3, 4]);
        p.take(2).unwrap();
        assert_eq!(p.data(), &[1, 2]);
        p.put(2).unwrap();
        assert_eq!(p.data(), &[1, 2, 0, 0]);
        assert!(p.pull(5).is_err());
        assert!(p.push(DEFAULT_HEADROOM + 2).is_err());
    }

    #[test]
    fn too_long_is_an_error() {
        assert!(Packet::from_slice(&vec![0u8; MAX_PACKET_LEN]).is_ok());
        assert!(Packet::from_slice(&vec![0u8; MAX_PACKET_LEN + 1]).is_err());
    }

    #[test]
    fn duplicate_copies_data_and_annotations() {
        let mut p = Packet::from_slice(b"hello").unwrap();
        p.anno_mut().set_paint(7);
        let mut q = p.duplicate();
        q.data_mut()[0] = b'j';
        assert_eq!(p.data(), b"hello");
        assert_eq!(q.data(), b"jello");
        assert_eq!(q.anno().paint(), 7);
    }

    #[test]
    fn recycled_packets_start_clean() {
        let mut p = Packet::from_slice(b"abc").unwrap();
        p.anno_mut().set_paint(3);
        drop(p);
        let q = Packet::new();
        assert_eq!(q.len(), 0);
        assert_eq!(q.anno().paint(), 0);
        assert_eq!(q.headroom(), DEFAULT_HEADROOM);
    }

    #[test]
    fn writes_forget_the_origin() {
        let tag = Packet::new_origin_tag();
        let mut p = Packet::from_slice(b"abcd").unwrap();
        p.set_origin(tag);
        assert_eq!(p.origin(), tag);
        let _ = p.data();
        p.pull(1).unwrap();
        assert_eq!(p.origin(), tag);
        p.data_mut()[0] = 0;
        assert_eq!(p.origin(), 0);
        p.set_origin(tag);
        p.put(1).unwrap();
        assert_eq!(p.origin(), 0);
        p.set_origin(tag);
        let _ = p.network_header_mut();
        assert_eq!(p.origin(), 0);
    }

    #[test]
    fn refill_copies_back_only_what_was_written() {
        let tag = Packet::new_origin_tag();
        let data: Vec<u8> = (0..100u8).collect();
        let mut p = Packet::new();
        p.refill(tag, &data).unwrap();
        assert_eq!(p.data(), &data[..]);
        p.data_prefix_mut(4).copy_from_slice(&[9, 9, 9, 9]);
        assert_eq!(p.origin(), tag);
        let at = p.data_offset() + 50;
        p.buffer_range_mut(at, at + 2)
            .unwrap()
            .copy_from_slice(&[7, 7]);
        p.pull(10).unwrap();
        p.refill(tag, &data).unwrap();
        assert_eq!(p.data(), &data[..]);
        p.data_mut()[99] = 1;
        assert_eq!(p.origin(), 0);
        p.refill(tag, &data).unwrap();
        assert_eq!(p.data(), &data[..]);
        assert_eq!(p.origin(), tag);
        // A range past the data's end is cut or refused.
        let end = p.data_offset() + p.len();
        assert_eq!(
            p.buffer_range_mut(end - 1, end + 5).map(|r| r.len()),
            Some(1)
        );
        assert!(p.buffer_range_mut(end + 1, end + 5).is_none());
    }

    #[test]
    fn data_starts_on_a_cache_line() {
        assert_eq!(
            (std::mem::offset_of!(PacketBuffer, bytes) + DEFAULT_HEADROOM) % 64,
            0
        );
    }

    #[test]
    fn buffers_cross_threads() {
        let made: Vec<Packet> = (0..3 * CHUNK).map(|_| Packet::new()).collect();
        std::thread::spawn(move || drop(made)).join().unwrap();
        let again: Vec<Packet> = (0..CHUNK).map(|_| Packet::new()).collect();
        assert_eq!(again.len(), CHUNK);
    }
}
