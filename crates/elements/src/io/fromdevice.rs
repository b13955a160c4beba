//! FromDevice — reads packets from a Linux network device.
//!
//! ## Synopsis
//! `FromDevice(DEVNAME [, PROMISC, SNAPLEN, KEYWORDS])`
//!
//! ## Ports
//! No inputs; 1 or 2 outputs, push.
//!
//! ## Description
//! Reads the packets that arrive on the network device DEVNAME, through an
//! AF_PACKET socket with a memory-mapped receive ring, and pushes them to
//! output 0. A task moves up to BURST waiting packets per run, without a
//! system call; when none are waiting it reports idle and is polled again
//! after about 50 µs.
//!
//! Each packet's timestamp annotation is the time the kernel received it,
//! its packet type annotation says whether it was for this host, broadcast,
//! multicast or for another host, and its MAC header annotation marks the
//! start of the link-level header. A packet longer than SNAPLEN is cut to
//! SNAPLEN bytes and its extra length annotation holds the bytes cut. A VLAN
//! tag the kernel took off the frame is put back in place.
//!
//! Packets this host sends on the device (including those of a `ToDevice`
//! on the same device) are not read unless OUTBOUND is true.
//!
//! With FORCE_IP true, only IP packets go to output 0, with their network
//! header, transport header and (IPv4) destination address annotations set;
//! other packets go to output 1 if it is connected and are dropped (counted
//! as `not_ip`) otherwise.
//!
//! ## Arguments
//! - `DEVNAME` (string): the device, e.g. `eth0`.
//! - `PROMISC` (bool, default false): put the device in promiscuous mode
//!   while the router runs.
//! - `SNAPLEN` (integer, default 2046): most bytes kept of each packet.
//! - `SNIFFER` (bool, default true): see Differences.
//! - `FORCE_IP` (bool, default false): as described above.
//! - `OUTBOUND` (bool, default false): also read packets this host sends.
//! - `PROTOCOL` (integer, default 0): if nonzero, read only frames of this
//!   link-level protocol (EtherType), e.g. `0x0800`.
//! - `BURST` (integer, default 256, at most 256): most packets moved per
//!   task run.
//! - `HEADROOM` (integer, default 128): bytes left free in front of each
//!   packet's data.
//! - `TIMESTAMP` (bool, default true): set the timestamp annotation.
//! - `METHOD` (word, default LINUX): `LINUX`, `PCAP` or `AF_PACKET`; all
//!   mean an AF_PACKET socket here.
//! - `ENCAP` (word): the expected encapsulation, `ETHER` or `IP`; an error if
//!   the device's differs.
//!
//! ## Handlers
//! - `count` (read): packets read.
//! - `reset_counts` (write): zero `count`.
//! - `kernel_drops` (read): packets the kernel dropped because the receive
//!   ring was full (from PACKET_STATISTICS), since the device was opened.
//! - `encap` (read): `ETHER`, `IP` or `UNKNOWN`.
//!
//! ## Differences from Click
//! - Always an AF_PACKET socket with a TPACKET_V2 ring, whatever METHOD
//!   says; `BPF_FILTER` is not supported (filter with `Classifier` or
//!   `IPFilter` after FromDevice).
//! - Always a sniffer: the kernel also processes every packet read. `SNIFFER
//!   false` is accepted but changes nothing (Click installs firewall rules
//!   for it); to keep the host stack away from a device, give it no
//!   addresses, or drop its traffic with nftables.
//! - BURST defaults to 256 (Click: 1) and HEADROOM to 128 (Click: about 28).
//! - The device is opened when the router is initialized, so a missing
//!   device or missing CAP_NET_RAW is an error naming the device then.
//! - Packets a local stack handed to the device with checksums or
//!   segmentation left to offload (common on veth and TAP devices) are read
//!   as the kernel holds them: with partial checksums, and up to 64 KB long
//!   (cut to SNAPLEN). To forward such traffic, turn the offloads off on the
//!   sending side: `ethtool -K DEV tx off tso off gso off`.
//!
//! ## Example
//! ```text
//! FromDevice(veth0, PROMISC true) -> Queue -> ToDevice(veth1);
//! ```

use std::any::Any;

use clickconf::args::{Args, ValueError};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, TaskContext, TaskStatus,
};
use packet::{BUFFER_CAPACITY, DEFAULT_HEADROOM, MAX_BATCH, Packet, PacketType, Timestamp};

use super::afpacket::{self, LinkType, Receiver, RxFrame, RxOptions};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FromDevice",
    ports: "0/1-2",
    processing: "h/h",
    source: include_str!("fromdevice.rs"),
    drop_reasons: &["not_ip", "oversize"],
    handlers: &[
        HandlerSpec::read("count", "packets read"),
        HandlerSpec::write("reset_counts", "zero count"),
        HandlerSpec::read(
            "kernel_drops",
            "packets the kernel dropped because the receive ring was full",
        ),
        HandlerSpec::read("encap", "the device's encapsulation: ETHER, IP or UNKNOWN"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NOT_IP: DropReason = DropReason(0);
const OVERSIZE: DropReason = DropReason(1);

/// How long an idle FromDevice waits before looking at its ring again. The
/// engine cannot wait on a socket, so this bounds the latency a quiet device
/// adds to a packet, against the CPU spent polling.
pub(crate) const IDLE_POLL_NS: u64 = 50_000;

/// Click's default SNAPLEN.
const DEFAULT_SNAPLEN: usize = 2046;

/// Bytes a re-inserted VLAN tag adds.
const VLAN_TAG_LEN: usize = 4;

/// Parses Click's METHOD word; every method is AF_PACKET here.
pub(crate) fn parse_method(text: &str) -> Result<(), ValueError> {
    match text {
        "LINUX" | "PCAP" | "AF_PACKET" => Ok(()),
        _ => Err(ValueError::new(
            "expected LINUX, PCAP or AF_PACKET (devices are read and written through AF_PACKET)",
        )),
    }
}

/// Parses a device name, checked as the kernel would.
pub(crate) fn parse_devname(text: &str) -> Result<String, ValueError> {
    let name: String = clickconf::args::ArgValue::parse_arg(text)?;
    afpacket::check_name(&name).map_err(|e| ValueError::new(e.to_string()))?;
    Ok(name)
}

pub struct FromDevice {
    devname: String,
    options: RxOptions,
    force_ip: bool,
    burst: usize,
    headroom: usize,
    timestamp: bool,
    encap: Option<String>,
    has_output1: bool,
    rx: Option<Receiver>,
    count: u64,
    /// `kernel_drops` when the device was closed.
    closed_drops: Option<u64>,
    /// The device's framing, once opened.
    link: Option<LinkType>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let devname = args.read_mp_with("DEVNAME", parse_devname)?;
    let promisc = args.read_p::<bool>("PROMISC")?.unwrap_or(false);
    let snaplen = args.read_p::<usize>("SNAPLEN")?.unwrap_or(DEFAULT_SNAPLEN);
    // Accepted for compatibility; AF_PACKET always sniffs (see the header).
    let _sniffer = args.read::<bool>("SNIFFER")?;
    let force_ip = args.read::<bool>("FORCE_IP")?.unwrap_or(false);
    args.read_with("METHOD", parse_method)?;
    args.read_with("CAPTURE", parse_method)?;
    let bpf_filter = args.read::<String>("BPF_FILTER")?;
    let protocol = args.read::<u16>("PROTOCOL")?.unwrap_or(0);
    let outbound = args.read::<bool>("OUTBOUND")?.unwrap_or(false);
    let headroom = args.read::<usize>("HEADROOM")?.unwrap_or(DEFAULT_HEADROOM);
    let encap = args.read_with("ENCAP", |t| match t {
        "ETHER" | "IP" => Ok(t.to_string()),
        _ => Err(ValueError::new("expected ETHER or IP")),
    })?;
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    let timestamp = args.read::<bool>("TIMESTAMP")?.unwrap_or(true);

    if bpf_filter.is_some_and(|f| !f.trim().is_empty()) {
        return Err(ConfigError::msg(
            "BPF_FILTER is not supported (packets are read through AF_PACKET); filter with Classifier or IPFilter instead",
        ));
    }
    if snaplen < 14 {
        return Err(ConfigError::msg("SNAPLEN must be at least 14"));
    }
    if headroom + snaplen + VLAN_TAG_LEN > BUFFER_CAPACITY {
        return Err(ConfigError::msg(format!(
            "HEADROOM {headroom} plus SNAPLEN {snaplen} exceeds the packet buffer ({} bytes)",
            BUFFER_CAPACITY - VLAN_TAG_LEN
        )));
    }
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    Ok(Box::new(FromDevice {
        devname,
        options: RxOptions {
            promisc,
            outbound,
            snaplen,
            protocol: if protocol == 0 {
                libc::ETH_P_ALL as u16
            } else {
                protocol
            },
            ..RxOptions::default()
        },
        force_ip,
        burst: burst.min(MAX_BATCH),
        headroom,
        timestamp,
        encap,
        has_output1: cx.noutputs > 1,
        rx: None,
        count: 0,
        closed_drops: None,
        link: None,
    }))
}

impl FromDevice {
    /// The open receiver, once initialized (for tests and tools).
    pub fn receiver(&self) -> Option<&Receiver> {
        self.rx.as_ref()
    }
}

/// Link-level packet type from `sll_pkttype`.
fn packet_type(pkttype: u8) -> PacketType {
    match pkttype {
        libc::PACKET_BROADCAST => PacketType::Broadcast,
        libc::PACKET_MULTICAST => PacketType::Multicast,
        libc::PACKET_OTHERHOST => PacketType::OtherHost,
        libc::PACKET_OUTGOING => PacketType::Outgoing,
        libc::PACKET_LOOPBACK => PacketType::Loopback,
        _ => PacketType::Host,
    }
}

/// Gives a fresh packet `headroom` bytes of headroom (it starts with
/// [`DEFAULT_HEADROOM`] and no data).
fn set_headroom(p: &mut Packet, headroom: usize) {
    // Both moves are within the buffer by the check in `make`.
    if headroom > DEFAULT_HEADROOM {
        let d = headroom - DEFAULT_HEADROOM;
        let _ = p.put(d).and_then(|()| p.pull(d));
    } else if headroom < DEFAULT_HEADROOM {
        let d = DEFAULT_HEADROOM - headroom;
        let _ = p.push(d).and_then(|()| p.take(d));
    }
}

/// Copies a received frame into a new packet with its annotations. `None`
/// if it does not fit (not expected: `make` checks the sizes).
fn frame_to_packet(
    frame: &RxFrame<'_>,
    link: LinkType,
    snaplen: usize,
    headroom: usize,
    timestamp: bool,
) -> Option<Packet> {
    let mut p = Packet::new();
    if headroom != DEFAULT_HEADROOM {
        set_headroom(&mut p, headroom);
    }
    let data = frame.data;
    let mut wire_len = frame.wire_len;
    match frame.vlan {
        Some((tpid, tci)) if link == LinkType::Ethernet && data.len() >= 12 => {
            p.extend_from_slice(&data[..12]).ok()?;
            p.extend_from_slice(&tpid.to_be_bytes()).ok()?;
            p.extend_from_slice(&tci.to_be_bytes()).ok()?;
            p.extend_from_slice(&data[12..]).ok()?;
            wire_len += VLAN_TAG_LEN;
        }
        _ => p.extend_from_slice(data).ok()?,
    }
    if p.len() > snaplen {
        let cut = p.len() - snaplen;
        p.take(cut).ok()?;
    }
    let extra = u32::try_from(wire_len.saturating_sub(p.len())).unwrap_or(u32::MAX);
    let mac = p.data_offset();
    let anno = p.anno_mut();
    if timestamp {
        anno.timestamp = Timestamp::new(u64::from(frame.sec), frame.nsec);
    }
    anno.set_packet_type(packet_type(frame.pkttype));
    if link == LinkType::Ethernet {
        anno.set_mac_header(Some(mac));
    }
    if extra > 0 {
        anno.set(packet::anno::offset::EXTRA_LENGTH, &extra.to_ne_bytes());
    }
    Some(p)
}

/// Marks the IP header of `p` as Click's `fake_pcap_force_ip` does; false
/// if `p` is not an IP packet.
fn force_ip(p: &mut Packet, link: LinkType) -> bool {
    let data = p.data();
    let ip_at = match link {
        LinkType::Ip => 0,
        LinkType::Ethernet => match afpacket::ethertype(data) {
            Some(0x0800 | 0x86dd) => 14,
            Some(0x8100) => match data.get(16..18) {
                Some([0x08, 0x00] | [0x86, 0xdd]) => 18,
                _ => return false,
            },
            _ => return false,
        },
        LinkType::Other(_) => return false,
    };
    let Some(&first) = data.get(ip_at) else {
        return false;
    };
    let (header_len, dst) = match first >> 4 {
        4 => {
            let hl = usize::from(first & 0x0f) * 4;
            match data.get(ip_at..ip_at + hl) {
                Some(h) if hl >= 20 => (hl, Some([h[16], h[17], h[18], h[19]])),
                _ => return false,
            }
        }
        6 if data.len() >= ip_at + 40 => (40, None),
        _ => return false,
    };
    let at = p.data_offset() + ip_at;
    let anno = p.anno_mut();
    anno.set_network_header(Some(at));
    anno.set_transport_header(Some(at + header_len));
    if let Some(d) = dst {
        anno.set_dst_ip(d.into());
    }
    true
}

impl Element for FromDevice {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        let rx = Receiver::open(&self.devname, &self.options)
            .map_err(|e| ConfigError::msg(e.to_string()))?;
        if let Some(want) = &self.encap {
            let have = rx.link_type().click_name();
            if want != have {
                return Err(ConfigError::msg(format!(
                    "{}: ENCAP {want} given, but the device's encapsulation is {have}",
                    self.devname
                )));
            }
        }
        self.link = Some(rx.link_type());
        self.rx = Some(rx);
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        let FromDevice {
            rx,
            options,
            force_ip: want_ip,
            burst,
            headroom,
            timestamp,
            has_output1,
            count,
            ..
        } = self;
        let Some(rx) = rx.as_mut() else {
            return TaskStatus::Done;
        };
        let link = rx.link_type();
        let n = rx.receive(*burst, |frame| {
            let Some(mut p) = frame_to_packet(&frame, link, options.snaplen, *headroom, *timestamp)
            else {
                out.count_drops(OVERSIZE, 1);
                return;
            };
            if !*want_ip || force_ip(&mut p, link) {
                out.emit(0, p);
            } else if *has_output1 {
                out.emit(1, p);
            } else {
                out.drop(p, NOT_IP);
            }
        });
        *count += n as u64;
        if n == 0 {
            TaskStatus::Idle(Some(cx.clock().monotonic_ns() + IDLE_POLL_NS))
        } else {
            TaskStatus::Worked
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "kernel_drops" => Ok(match (&self.rx, self.closed_drops) {
                (Some(rx), _) => rx.stats().kernel_drops.to_string(),
                (None, Some(n)) => n.to_string(),
                (None, None) => "??".to_string(),
            }),
            "encap" => Ok(self
                .link
                .map_or("UNKNOWN", LinkType::click_name)
                .to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => self.count = 0,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn finish(&mut self) {
        // Closing the socket ends promiscuous mode; the handlers keep
        // reporting what was counted until then.
        if let Some(rx) = self.rx.take() {
            self.closed_drops = Some(rx.stats().kernel_drops);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &[u8]) -> RxFrame<'_> {
        RxFrame {
            data,
            wire_len: data.len(),
            sec: 7,
            nsec: 9,
            pkttype: libc::PACKET_BROADCAST,
            vlan: None,
            csum_partial: false,
        }
    }

    fn ipv4_frame() -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f
    }

    #[test]
    fn annotations_from_the_ring() {
        let f = ipv4_frame();
        let p = frame_to_packet(&frame(&f), LinkType::Ethernet, 2046, 128, true).unwrap();
        assert_eq!(p.data(), &f[..]);
        assert_eq!(p.anno().timestamp, Timestamp::new(7, 9));
        assert_eq!(p.anno().packet_type(), PacketType::Broadcast);
        assert_eq!(p.anno().mac_header(), Some(p.data_offset()));
        assert_eq!(p.headroom(), 128);
    }

    #[test]
    fn snaplen_cuts_and_records_extra_length() {
        let f = ipv4_frame();
        let mut fr = frame(&f);
        fr.wire_len = 1000;
        let p = frame_to_packet(&fr, LinkType::Ethernet, 20, 32, false).unwrap();
        assert_eq!(p.len(), 20);
        assert_eq!(p.headroom(), 32);
        assert_eq!(p.anno().timestamp, Timestamp(0));
        let extra = p
            .anno()
            .get::<4>(packet::anno::offset::EXTRA_LENGTH)
            .unwrap();
        assert_eq!(u32::from_ne_bytes(extra), 980);
    }

    #[test]
    fn vlan_tag_is_put_back() {
        let f = ipv4_frame();
        let mut fr = frame(&f);
        fr.vlan = Some((0x8100, 0x0005));
        let mut p = frame_to_packet(&fr, LinkType::Ethernet, 2046, 128, true).unwrap();
        assert_eq!(&p.data()[12..18], &[0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        assert_eq!(p.len(), f.len() + 4);
        assert!(force_ip(&mut p, LinkType::Ethernet));
        assert_eq!(p.anno().network_header(), Some(p.data_offset() + 18));
    }

    #[test]
    fn force_ip_marks_headers_and_rejects_others() {
        let f = ipv4_frame();
        let mut p = frame_to_packet(&frame(&f), LinkType::Ethernet, 2046, 128, true).unwrap();
        assert!(force_ip(&mut p, LinkType::Ethernet));
        let off = p.data_offset();
        assert_eq!(p.anno().network_header(), Some(off + 14));
        assert_eq!(p.anno().transport_header(), Some(off + 34));
        assert_eq!(p.anno().dst_ip(), std::net::Ipv4Addr::new(10, 0, 0, 2));

        let mut arp = f.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let mut p = frame_to_packet(&frame(&arp), LinkType::Ethernet, 2046, 128, true).unwrap();
        assert!(!force_ip(&mut p, LinkType::Ethernet));
        // Truncated IPv4 header.
        let mut p = frame_to_packet(&frame(&f[..30]), LinkType::Ethernet, 2046, 128, true).unwrap();
        assert!(!force_ip(&mut p, LinkType::Ethernet));
        // Bare IP devices.
        let mut p = frame_to_packet(&frame(&f[14..]), LinkType::Ip, 2046, 128, true).unwrap();
        assert!(force_ip(&mut p, LinkType::Ip));
        assert_eq!(p.anno().mac_header(), None);
    }

    #[test]
    fn arguments() {
        let cx = BuildContext::standalone("fd", 0, 1);
        let build = |config: &str| {
            let mut args = Args::new(config);
            make(&mut args, &cx).and_then(|e| args.complete().map(|()| e).map_err(Into::into))
        };
        assert!(build("eth0").is_ok());
        assert!(build("eth0, true, 1514, METHOD PCAP, SNIFFER false, BURST 8").is_ok());
        let err = |config: &str| {
            build(config)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err("").contains("DEVNAME"), "{}", err(""));
        assert!(err("a/b").contains("not a valid network device name"));
        assert!(err("eth0, METHOD NETMAP").contains("METHOD"));
        assert!(err("eth0, BPF_FILTER \"tcp\"").contains("BPF_FILTER"));
        assert!(err("eth0, SNAPLEN 9700").contains("exceeds"));
        assert!(err("eth0, BURST 0").contains("BURST"));
    }
}
