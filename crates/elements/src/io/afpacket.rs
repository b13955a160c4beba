//! AF_PACKET sockets: Linux's raw link-layer access to a network device,
//! under `FromDevice` and `ToDevice`.
//!
//! Key decision: receive through a memory-mapped TPACKET_V2 *frame* ring and
//! send with `sendmmsg`, so a burst costs no syscall to receive and one to
//! send. V2 rather than the V3 block ring: V3 hands a block to user space only
//! when it fills or its retire timer fires (a millisecond at the least), which
//! adds that much latency to every packet of a lightly loaded bridge; a V2
//! frame is ours the moment the kernel has written it.
//!
//! Every system call is wrapped in a small `unsafe` block whose comment says
//! why it is sound; failures become a [`DeviceError`] naming the device and
//! the call.

use std::cell::Cell;
use std::ffi::c_int;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

/// Longest interface name Linux accepts, in bytes.
pub const MAX_NAME_LEN: usize = libc::IFNAMSIZ - 1;

/// Why a device could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "'{name}' is not a valid network device name (1 to {MAX_NAME_LEN} bytes, no '/', ':', NUL or white space)"
    )]
    BadName { name: String },
    #[error("{device}: no such network device")]
    NoSuchDevice { device: String },
    #[error(
        "{device}: {call}: permission denied (AF_PACKET sockets need CAP_NET_RAW: run as root or grant the capability)"
    )]
    PermissionDenied { device: String, call: &'static str },
    #[error("{device}: {call}: {source}")]
    Sys {
        device: String,
        call: &'static str,
        #[source]
        source: io::Error,
    },
}

impl DeviceError {
    /// Classifies the last OS error of `call` on `device`.
    fn last(device: &str, call: &'static str) -> DeviceError {
        DeviceError::from_io(device, call, io::Error::last_os_error())
    }

    fn from_io(device: &str, call: &'static str, source: io::Error) -> DeviceError {
        let device = device.to_string();
        match source.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => DeviceError::PermissionDenied { device, call },
            Some(libc::ENODEV | libc::ENXIO) => DeviceError::NoSuchDevice { device },
            _ => DeviceError::Sys {
                device,
                call,
                source,
            },
        }
    }
}

/// Checks a device name the way the kernel's `dev_valid_name` does.
pub fn check_name(name: &str) -> Result<(), DeviceError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace());
    if ok {
        Ok(())
    } else {
        Err(DeviceError::BadName {
            name: name.to_string(),
        })
    }
}

/// Link-layer framing of a device, from its hardware type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// Ethernet frames (Ethernet devices, veth, loopback, TAP).
    Ethernet,
    /// Bare IP packets (TUN, WireGuard and other ARPHRD_NONE devices).
    Ip,
    /// Anything else; the hardware type is given.
    Other(u16),
}

impl LinkType {
    fn from_arphrd(hatype: u16) -> LinkType {
        match hatype {
            libc::ARPHRD_ETHER | libc::ARPHRD_LOOPBACK => LinkType::Ethernet,
            libc::ARPHRD_NONE => LinkType::Ip,
            t => LinkType::Other(t),
        }
    }

    /// Bytes of link-layer header the kernel expects in front of a sent
    /// packet (the device's `hard_header_len`).
    pub fn header_len(self) -> usize {
        match self {
            LinkType::Ethernet => 14,
            LinkType::Ip | LinkType::Other(_) => 0,
        }
    }

    /// Click's name for the encapsulation (`encap` handler).
    pub fn click_name(self) -> &'static str {
        match self {
            LinkType::Ethernet => "ETHER",
            LinkType::Ip => "IP",
            LinkType::Other(_) => "UNKNOWN",
        }
    }
}

/// An AF_PACKET socket bound to one device.
#[derive(Debug)]
struct PacketSocket {
    fd: OwnedFd,
    device: String,
    ifindex: c_int,
    link: LinkType,
}

fn ifreq_for(name: &str) -> libc::ifreq {
    // SAFETY: `ifreq` is plain old data (bytes and a union of integers,
    // addresses and a pointer); all zeros is a valid value of every field.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    req
}

fn setsockopt<T>(fd: &OwnedFd, level: c_int, name: c_int, value: &T) -> Result<(), io::Error> {
    // SAFETY: `value` points to a live `T` of `size_of::<T>()` bytes that the
    // kernel only reads; the fd is open for the duration of the call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl PacketSocket {
    /// Opens a non-blocking AF_PACKET raw socket for `device`, not yet bound
    /// (so it receives nothing until [`PacketSocket::bind`]).
    fn open(device: &str) -> Result<PacketSocket, DeviceError> {
        check_name(device)?;
        // SAFETY: plain system call with constant arguments; the returned fd
        // is checked before use and owned by `OwnedFd` from here on.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            )
        };
        if raw < 0 {
            return Err(DeviceError::last(device, "socket(AF_PACKET)"));
        }
        // SAFETY: `raw` is a freshly created descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };

        let mut req = ifreq_for(device);
        // SAFETY: SIOCGIFINDEX reads the name from and writes an int into the
        // `ifreq` we own, which outlives the call.
        if unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFINDEX, &mut req) } < 0 {
            return Err(DeviceError::last(device, "ioctl(SIOCGIFINDEX)"));
        }
        // SAFETY: the kernel filled the `ifindex` member of the union.
        let ifindex = unsafe { req.ifr_ifru.ifru_ifindex };

        let mut req = ifreq_for(device);
        // SAFETY: as above; SIOCGIFHWADDR fills the `hwaddr` member.
        if unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR, &mut req) } < 0 {
            return Err(DeviceError::last(device, "ioctl(SIOCGIFHWADDR)"));
        }
        // SAFETY: the kernel filled the `hwaddr` member of the union.
        let hatype = unsafe { req.ifr_ifru.ifru_hwaddr.sa_family };

        Ok(PacketSocket {
            fd,
            device: device.to_string(),
            ifindex,
            link: LinkType::from_arphrd(hatype),
        })
    }

    fn set<T>(
        &self,
        level: c_int,
        name: c_int,
        value: &T,
        call: &'static str,
    ) -> Result<(), DeviceError> {
        setsockopt(&self.fd, level, name, value)
            .map_err(|e| DeviceError::from_io(&self.device, call, e))
    }

    /// Binds to the device; `protocol` is an ETH_P_* value in host order
    /// (0: receive nothing).
    fn bind(&self, protocol: u16) -> Result<(), DeviceError> {
        let addr = self.address(protocol);
        // SAFETY: `addr` is a valid `sockaddr_ll` that outlives the call, and
        // the length given is its size.
        let rc = unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(DeviceError::last(&self.device, "bind"));
        }
        Ok(())
    }

    fn address(&self, protocol: u16) -> libc::sockaddr_ll {
        libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: protocol.to_be(),
            sll_ifindex: self.ifindex,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 0,
            sll_addr: [0; 8],
        }
    }

    /// The device's MTU, read now.
    fn mtu(&self) -> Result<usize, DeviceError> {
        let mut req = ifreq_for(&self.device);
        // SAFETY: SIOCGIFMTU reads the name from and writes an int into the
        // `ifreq` we own.
        if unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::SIOCGIFMTU, &mut req) } < 0 {
            return Err(DeviceError::last(&self.device, "ioctl(SIOCGIFMTU)"));
        }
        // SAFETY: the kernel filled the `mtu` member of the union.
        let mtu = unsafe { req.ifr_ifru.ifru_mtu };
        Ok(mtu.max(0) as usize)
    }
}

/// How to open a receiving socket.
#[derive(Clone, Copy, Debug)]
pub struct RxOptions {
    /// Put the device in promiscuous mode for as long as the socket is open.
    pub promisc: bool,
    /// Also deliver packets the host itself sends on the device.
    pub outbound: bool,
    /// Bytes of each packet to keep, from the link-layer header on.
    pub snaplen: usize,
    /// Link-layer protocol to receive (ETH_P_*, host order); ETH_P_ALL for all.
    pub protocol: u16,
    /// Approximate bytes of ring memory to map.
    pub ring_bytes: usize,
}

impl Default for RxOptions {
    fn default() -> Self {
        RxOptions {
            promisc: false,
            outbound: false,
            snaplen: 2046,
            protocol: libc::ETH_P_ALL as u16,
            ring_bytes: 4 << 20,
        }
    }
}

/// One received frame, valid while the callback of [`Receiver::receive`]
/// runs.
#[derive(Debug)]
pub struct RxFrame<'a> {
    /// The bytes captured, from the link-layer header on (the kernel may
    /// have removed a VLAN tag; see `vlan`).
    pub data: &'a [u8],
    /// The packet's length on the wire (more than `data.len()` if cut).
    pub wire_len: usize,
    /// Kernel receive time, seconds and nanoseconds since the Unix epoch.
    pub sec: u32,
    pub nsec: u32,
    /// `sll_pkttype`: PACKET_HOST, PACKET_BROADCAST, … PACKET_OUTGOING.
    pub pkttype: u8,
    /// A VLAN tag the kernel took off the frame: (TPID, TCI).
    pub vlan: Option<(u16, u16)>,
    /// The transport checksum is not filled in yet (the packet came from a
    /// local stack that leaves it to offload).
    pub csum_partial: bool,
}

/// Counts kept by a receiver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxStats {
    /// Packets the kernel dropped because the ring was full.
    pub kernel_drops: u64,
    /// Outgoing packets skipped (when not asked for).
    pub outgoing_skipped: u64,
    /// Frames whose header did not describe a valid frame (never expected).
    pub bad_frames: u64,
}

/// The memory-mapped receive ring.
struct RxRing {
    base: NonNull<u8>,
    map_len: usize,
    frame_size: usize,
    frames_per_block: usize,
    block_size: usize,
    frame_nr: usize,
    next: usize,
}

// SAFETY: the mapping is owned exclusively by this value (no other Rust
// reference to it exists) and is only touched through `&mut self`, so moving
// it to another thread is sound; the kernel side synchronizes through each
// frame's status word.
unsafe impl Send for RxRing {}

impl RxRing {
    /// Address of frame `i`'s header. Frames never straddle blocks.
    fn frame(&self, i: usize) -> *mut u8 {
        let offset = (i / self.frames_per_block) * self.block_size
            + (i % self.frames_per_block) * self.frame_size;
        debug_assert!(offset + self.frame_size <= self.map_len);
        // SAFETY: `i < frame_nr`, so `offset + frame_size <= map_len`: the
        // result stays inside the mapping.
        unsafe { self.base.as_ptr().add(offset) }
    }

    /// The status word at the start of a frame header.
    fn status(&self, i: usize) -> &AtomicU32 {
        // SAFETY: every frame starts with `tp_status: u32`, at an address
        // aligned to TPACKET_ALIGNMENT (16) within a page-aligned mapping;
        // the kernel and we access it only atomically (the kernel with
        // barriers around plain stores), and the mapping lives as long as
        // `self`.
        unsafe { AtomicU32::from_ptr(self.frame(i).cast::<u32>()) }
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: `base`/`map_len` are exactly what `mmap` returned, and no
        // reference into the mapping outlives `self`.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.map_len);
        }
    }
}

/// A socket receiving from one device into a memory-mapped ring.
pub struct Receiver {
    // Field order matters: the ring is unmapped before the socket closes.
    ring: RxRing,
    sock: PacketSocket,
    outbound: bool,
    snaplen: usize,
    stats: RxStats,
    /// Accumulated PACKET_STATISTICS drops (the kernel resets its counter on
    /// every read, which a `&self` handler read may trigger).
    kernel_drops: Cell<u64>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("device", &self.sock.device)
            .field("frames", &self.ring.frame_nr)
            .field("frame_size", &self.ring.frame_size)
            .finish()
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

const fn tpacket_align(x: usize) -> usize {
    (x + libc::TPACKET_ALIGNMENT - 1) & !(libc::TPACKET_ALIGNMENT - 1)
}

/// Offset of the `sockaddr_ll` that follows a V2 frame header.
const SLL_OFFSET: usize = tpacket_align(size_of::<libc::tpacket2_hdr>());

/// The ring geometry for a snap length: (frame size, block size, blocks).
fn ring_geometry(snaplen: usize, ring_bytes: usize, page: usize) -> (usize, usize, usize) {
    // The kernel puts the link header at TPACKET_ALIGN(hdrlen + max(maclen,
    // 16)) - maclen; 128 bytes covers that for every link type in use and
    // leaves room for a reserved area.
    let frame_size = tpacket_align(128 + snaplen);
    let round_up = |x: usize, to: usize| x.div_ceil(to) * to;
    // Blocks of 32 frames or more waste little to frame/page mismatch.
    let block_size = round_up(frame_size * 32, page).max(1 << 16);
    let blocks = (ring_bytes / block_size).max(2);
    (frame_size, block_size, blocks)
}

impl Receiver {
    /// Opens `device` for receiving.
    pub fn open(device: &str, options: &RxOptions) -> Result<Receiver, DeviceError> {
        let sock = PacketSocket::open(device)?;
        let version = libc::tpacket_versions::TPACKET_V2 as c_int;
        sock.set(
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &version,
            "setsockopt(PACKET_VERSION, TPACKET_V2)",
        )?;
        if !options.outbound {
            // Linux 4.20 and later; on older kernels outgoing packets are
            // skipped by their packet type instead.
            let one: c_int = 1;
            let _ = setsockopt(
                &sock.fd,
                libc::SOL_PACKET,
                libc::PACKET_IGNORE_OUTGOING,
                &one,
            );
        }

        let page = page_size();
        let (frame_size, block_size, blocks) =
            ring_geometry(options.snaplen, options.ring_bytes, page);
        let frames_per_block = block_size / frame_size;
        let req = libc::tpacket_req {
            tp_block_size: block_size as u32,
            tp_block_nr: blocks as u32,
            tp_frame_size: frame_size as u32,
            tp_frame_nr: (frames_per_block * blocks) as u32,
        };
        sock.set(
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            &req,
            "setsockopt(PACKET_RX_RING)",
        )?;
        let map_len = block_size * blocks;
        // SAFETY: maps the ring the kernel just allocated for this socket;
        // the result is checked, and owned by `RxRing` (which unmaps it).
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                sock.fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(DeviceError::last(device, "mmap(PACKET_RX_RING)"));
        }
        let Some(base) = NonNull::new(base.cast::<u8>()) else {
            return Err(DeviceError::Sys {
                device: device.to_string(),
                call: "mmap(PACKET_RX_RING)",
                source: io::Error::other("null mapping"),
            });
        };
        let ring = RxRing {
            base,
            map_len,
            frame_size,
            frames_per_block,
            block_size,
            frame_nr: frames_per_block * blocks,
            next: 0,
        };

        sock.bind(options.protocol)?;
        if options.promisc {
            let mreq = libc::packet_mreq {
                mr_ifindex: sock.ifindex,
                mr_type: libc::PACKET_MR_PROMISC as u16,
                mr_alen: 0,
                mr_address: [0; 8],
            };
            // The membership ends when the socket closes.
            sock.set(
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                &mreq,
                "setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)",
            )?;
        }
        Ok(Receiver {
            ring,
            sock,
            outbound: options.outbound,
            snaplen: options.snaplen,
            stats: RxStats::default(),
            kernel_drops: Cell::new(0),
        })
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.sock.device
    }

    /// The device's link-layer framing.
    pub fn link_type(&self) -> LinkType {
        self.sock.link
    }

    /// Frames in the ring.
    pub fn ring_frames(&self) -> usize {
        self.ring.frame_nr
    }

    /// Hands up to `max` waiting frames to `each`, in arrival order, and
    /// returns how many it handed over. Never blocks. Outgoing packets are
    /// skipped unless the receiver was opened with `outbound`.
    pub fn receive(&mut self, max: usize, mut each: impl FnMut(RxFrame<'_>)) -> usize {
        let mut delivered = 0;
        // Bounded by the ring's size, so a ring full of skipped frames
        // cannot keep us here.
        for _ in 0..self.ring.frame_nr {
            if delivered >= max {
                break;
            }
            let i = self.ring.next;
            let status = self.ring.status(i).load(Ordering::Acquire);
            if status & libc::TP_STATUS_USER == 0 {
                break;
            }
            let frame = self.ring.frame(i);
            // SAFETY: the frame belongs to us until we store TP_STATUS_KERNEL
            // (the acquire load above saw the kernel's release of it), and a
            // V2 frame starts with a `tpacket2_hdr` (frames are 16-aligned).
            let hdr: libc::tpacket2_hdr = unsafe { std::ptr::read(frame.cast()) };
            // SAFETY: the `sockaddr_ll` follows the header at SLL_OFFSET, inside
            // the frame (frame_size >= 128 > SLL_OFFSET + its size); it may be
            // unaligned for its u16/i32 fields, hence read_unaligned.
            let sll: libc::sockaddr_ll =
                unsafe { std::ptr::read_unaligned(frame.add(SLL_OFFSET).cast()) };
            let mac = hdr.tp_mac as usize;
            let snap = hdr.tp_snaplen as usize;
            let in_frame = mac >= SLL_OFFSET && mac.saturating_add(snap) <= self.ring.frame_size;
            let skip_outgoing = !self.outbound && sll.sll_pkttype == libc::PACKET_OUTGOING;
            if !in_frame {
                self.stats.bad_frames += 1;
            } else if skip_outgoing {
                self.stats.outgoing_skipped += 1;
            } else {
                // SAFETY: `mac + snap <= frame_size` was checked, so the slice
                // lies inside this frame, which the kernel will not write
                // until we hand it back below, after `each` returns (the
                // borrow cannot escape the callback).
                let data = unsafe { std::slice::from_raw_parts(frame.add(mac), snap) };
                let data = &data[..snap.min(self.snaplen)];
                let vlan = (hdr.tp_status & libc::TP_STATUS_VLAN_VALID != 0).then(|| {
                    let tpid = if hdr.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                        hdr.tp_vlan_tpid
                    } else {
                        0x8100
                    };
                    (tpid, hdr.tp_vlan_tci)
                });
                each(RxFrame {
                    data,
                    wire_len: hdr.tp_len as usize,
                    sec: hdr.tp_sec,
                    nsec: hdr.tp_nsec,
                    pkttype: sll.sll_pkttype,
                    vlan,
                    csum_partial: hdr.tp_status & libc::TP_STATUS_CSUMNOTREADY != 0,
                });
                delivered += 1;
            }
            self.ring
                .status(i)
                .store(libc::TP_STATUS_KERNEL, Ordering::Release);
            self.ring.next = (i + 1) % self.ring.frame_nr;
        }
        delivered
    }

    /// Counts so far, with the kernel's drop count brought up to date
    /// (PACKET_STATISTICS; reading it resets the kernel's counters, so they
    /// are accumulated here).
    pub fn stats(&self) -> RxStats {
        let mut st = libc::tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: `st` and `len` are live locals the kernel writes at most
        // `len` bytes into.
        let rc = unsafe {
            libc::getsockopt(
                self.sock.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        if rc == 0 {
            self.kernel_drops
                .set(self.kernel_drops.get() + u64::from(st.tp_drops));
        }
        RxStats {
            kernel_drops: self.kernel_drops.get(),
            ..self.stats
        }
    }

    /// Zeroes the counts.
    pub fn reset_stats(&mut self) {
        self.stats();
        self.kernel_drops.set(0);
        self.stats = RxStats::default();
    }
}

/// What happened to a burst handed to [`Transmitter::send`].
#[derive(Debug)]
pub struct SendOutcome {
    /// Frames sent, from the front of the burst.
    pub sent: usize,
    /// Why the frame after the sent ones was not sent, if the burst stopped
    /// early.
    pub error: Option<io::Error>,
}

impl SendOutcome {
    /// The kernel had no room for the frame just now; retrying later may
    /// succeed.
    pub fn would_block(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// Most frames one [`Transmitter::send`] call considers.
pub const MAX_SEND: usize = 256;

/// The per-call arrays `sendmmsg` reads, kept between calls so that sending
/// does not allocate.
struct SendScratch {
    msgs: Vec<libc::mmsghdr>,
    iovs: Vec<libc::iovec>,
    addrs: Vec<libc::sockaddr_ll>,
}

// SAFETY: the raw pointers inside `msgs` and `iovs` are written and read only
// within one call of `Transmitter::send`, during which they point into that
// call's borrowed frames and into `iovs`/`addrs`; between calls they are
// stale and never dereferenced, so the value may move between threads.
unsafe impl Send for SendScratch {}

/// A socket sending on one device.
pub struct Transmitter {
    sock: PacketSocket,
    mtu: usize,
    scratch: SendScratch,
}

impl std::fmt::Debug for Transmitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transmitter")
            .field("device", &self.sock.device)
            .field("mtu", &self.mtu)
            .finish()
    }
}

impl Transmitter {
    /// Opens `device` for sending. The socket is bound with protocol 0, so
    /// it receives nothing.
    pub fn open(device: &str) -> Result<Transmitter, DeviceError> {
        let sock = PacketSocket::open(device)?;
        sock.bind(0)?;
        // A larger send buffer lets a whole burst of full-size frames queue
        // without EAGAIN on devices that complete transmission late. Best
        // effort: FORCE needs CAP_NET_ADMIN, the plain option is capped.
        let want: c_int = 4 << 20;
        if setsockopt(&sock.fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, &want).is_err() {
            let _ = setsockopt(&sock.fd, libc::SOL_SOCKET, libc::SO_SNDBUF, &want);
        }
        let mtu = sock.mtu()?;
        // SAFETY: all-zero `mmsghdr`s and `iovec`s are valid (null pointers,
        // zero lengths); they are filled before each use.
        let zero_msg: libc::mmsghdr = unsafe { std::mem::zeroed() };
        let zero_iov = libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        };
        let addr = sock.address(0);
        Ok(Transmitter {
            scratch: SendScratch {
                msgs: vec![zero_msg; MAX_SEND],
                iovs: vec![zero_iov; MAX_SEND],
                addrs: vec![addr; MAX_SEND],
            },
            sock,
            mtu,
        })
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.sock.device
    }

    /// The device's MTU as read when opened (or last refreshed).
    pub fn mtu(&self) -> usize {
        self.mtu
    }

    /// Reads the MTU again (after it may have changed).
    pub fn refresh_mtu(&mut self) -> Result<usize, DeviceError> {
        self.mtu = self.sock.mtu()?;
        Ok(self.mtu)
    }

    /// The device's link-layer framing.
    pub fn link_type(&self) -> LinkType {
        self.sock.link
    }

    /// The longest frame the device takes: the MTU plus its link header, and
    /// four bytes more for a frame carrying an 802.1Q/802.1ad tag (as the
    /// kernel allows).
    pub fn max_frame_len(&self, frame: &[u8]) -> usize {
        let base = self.mtu + self.sock.link.header_len();
        if self.sock.link == LinkType::Ethernet && ethertype(frame).is_some_and(is_vlan_tpid) {
            base + 4
        } else {
            base
        }
    }

    /// Sends up to [`MAX_SEND`] frames from `frames`, in order, with as few
    /// system calls as the kernel allows, stopping at the first frame it
    /// refuses.
    pub fn send<'a>(&mut self, frames: impl IntoIterator<Item = &'a [u8]>) -> SendOutcome {
        let SendScratch { msgs, iovs, addrs } = &mut self.scratch;
        let mut n = 0;
        for frame in frames.into_iter().take(MAX_SEND) {
            iovs[n] = libc::iovec {
                iov_base: frame.as_ptr() as *mut libc::c_void,
                iov_len: frame.len(),
            };
            // The link protocol from the frame itself, so the kernel sets
            // skb->protocol as it would for a received frame.
            let proto = match self.sock.link {
                LinkType::Ethernet => ethertype(frame).unwrap_or(0),
                LinkType::Ip => match frame.first().map(|b| b >> 4) {
                    Some(6) => libc::ETH_P_IPV6 as u16,
                    _ => libc::ETH_P_IP as u16,
                },
                LinkType::Other(_) => 0,
            };
            addrs[n].sll_protocol = proto.to_be();
            n += 1;
        }
        // Raw pointers taken once from the whole arrays, so that none is
        // invalidated by a later borrow of a neighbouring element.
        let iov_base = iovs.as_mut_ptr();
        let addr_base = addrs.as_mut_ptr();
        for (i, msg) in msgs.iter_mut().enumerate().take(n) {
            let hdr = &mut msg.msg_hdr;
            hdr.msg_name = addr_base.wrapping_add(i).cast();
            hdr.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            hdr.msg_iov = iov_base.wrapping_add(i);
            hdr.msg_iovlen = 1;
            hdr.msg_control = std::ptr::null_mut();
            hdr.msg_controllen = 0;
            hdr.msg_flags = 0;
            msg.msg_len = 0;
        }
        let mut sent = 0;
        while sent < n {
            // SAFETY: `msgs[sent..n]` are initialized headers whose pointers
            // refer to `addrs` and `iovs` entries and to frames borrowed for
            // the duration of this call; the kernel only reads them (and
            // writes `msg_len`).
            let rc = unsafe {
                libc::sendmmsg(
                    self.sock.fd.as_raw_fd(),
                    msgs.as_mut_ptr().add(sent),
                    (n - sent) as libc::c_uint,
                    libc::MSG_DONTWAIT,
                )
            };
            if rc < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return SendOutcome {
                    sent,
                    error: Some(error),
                };
            }
            if rc == 0 {
                // Not expected from sendmmsg; avoid spinning.
                return SendOutcome {
                    sent,
                    error: Some(io::Error::from(io::ErrorKind::WouldBlock)),
                };
            }
            sent += rc as usize;
        }
        SendOutcome { sent, error: None }
    }
}

/// The EtherType (or TPID) at bytes 12..14 of an Ethernet frame.
pub fn ethertype(frame: &[u8]) -> Option<u16> {
    let b = frame.get(12..14)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// 802.1Q, 802.1ad and the old QinQ TPIDs.
pub fn is_vlan_tpid(t: u16) -> bool {
    matches!(t, 0x8100 | 0x88a8 | 0x9100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_any_syscall() {
        for bad in ["", "a/b", "x:1", "has space", "sixteen-chars-xx", ".", ".."] {
            assert!(
                matches!(check_name(bad), Err(DeviceError::BadName { .. })),
                "{bad:?}"
            );
        }
        assert!(check_name("eth0").is_ok());
        assert!(check_name("fifteen-chars-x").is_ok());
        let e = Receiver::open("a/b", &RxOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("not a valid network device name"),
            "{e}"
        );
    }

    #[test]
    fn missing_device_is_named() {
        let name = "sy-missing0";
        for e in [
            Receiver::open(name, &RxOptions::default()).unwrap_err(),
            Transmitter::open(name).unwrap_err(),
        ] {
            let text = e.to_string();
            assert!(text.starts_with(name), "{text}");
            // Without CAP_NET_RAW the socket call fails first.
            assert!(
                matches!(
                    e,
                    DeviceError::NoSuchDevice { .. } | DeviceError::PermissionDenied { .. }
                ),
                "{e:?}"
            );
        }
    }

    #[test]
    fn geometry_fits_the_kernel_rules() {
        for snaplen in [64, 1514, 2046, 9000] {
            let (frame, block, blocks) = ring_geometry(snaplen, 4 << 20, 4096);
            assert_eq!(frame % libc::TPACKET_ALIGNMENT, 0);
            assert_eq!(block % 4096, 0);
            assert!(block / frame >= 1);
            assert!(blocks >= 2);
            assert!(frame >= 128 + snaplen);
        }
    }

    #[test]
    fn ethertypes() {
        let mut f = [0u8; 14];
        f[12] = 0x81;
        assert_eq!(ethertype(&f), Some(0x8100));
        assert!(is_vlan_tpid(0x8100));
        assert_eq!(ethertype(&f[..13]), None);
    }
}
