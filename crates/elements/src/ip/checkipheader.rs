//! CheckIPHeader — checks IPv4 headers, marks them and trims link padding.
//!
//! ## Synopsis
//! `CheckIPHeader([OFFSET, keywords OFFSET, INTERFACES, BADSRC, GOODDST, CHECKSUM, VERBOSE, DETAILS])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic, output 1 push.
//!
//! ## Description
//! Expects an IPv4 header OFFSET bytes into each packet and checks, in this
//! order, that
//!
//! 1. at least 20 bytes follow OFFSET (`tiny packet`);
//! 2. the version is 4 (`bad IP version`);
//! 3. the header length is at least 20 bytes (`bad IP header length`);
//! 4. the total length is at least the header length and no more than the
//!    bytes after OFFSET (`bad IP length`);
//! 5. the header checksum is right, unless CHECKSUM is false
//!    (`bad IP checksum`);
//! 6. the source address is not one of the bad source addresses, unless the
//!    destination is one of the good destinations (`bad source address`,
//!    RFC 1812 5.3.7).
//!
//! A valid packet has its IP header annotation set (network header at
//! OFFSET, transport header after the IP header and its options), its
//! destination-address annotation set to the header's destination, and any
//! bytes past the IP total length removed (Ethernet padding, for example);
//! it leaves on output 0. An invalid packet leaves on output 1 if that
//! output is connected; otherwise it is dropped under the reason named
//! after the failed check.
//!
//! ## Arguments
//! - `OFFSET` (unsigned, default 0): where the IP header starts. May be
//!   given as the one positional argument, which then wins over the keyword.
//! - `INTERFACES` (space-separated IP prefixes): this router's interface
//!   addresses. Acts as BADSRC of each prefix's broadcast address plus
//!   0.0.0.0 and 255.255.255.255, and GOODDST of each address.
//! - `BADSRC` (space-separated IP addresses): bad source addresses;
//!   replaces those INTERFACES implies.
//! - `GOODDST` (space-separated IP addresses): destinations exempt from
//!   the BADSRC check; replaces those INTERFACES implies.
//! - `CHECKSUM` (boolean, default true): check the header checksum.
//! - `VERBOSE` (boolean, default false): accepted for compatibility.
//! - `DETAILS` (boolean, default false): keep per-reason counts for
//!   `drop_details`.
//!
//! ## Handlers
//! - `drops` (read): invalid packets seen, whichever way they left.
//! - `drop_details` (read, only with DETAILS true): one line per check,
//!   `COUNT<tab>REASON`, in the order above.
//!
//! ## Differences from Click
//! - No message is printed for invalid packets (Click prints one for the
//!   first, or for every one with VERBOSE); the drop reasons and handlers
//!   carry the same information.
//! - Click's deprecated positional form `CheckIPHeader(BADSRC, OFFSET)` is
//!   rejected, as Click 2.1's own argument parsing rejects it.
//! - Address names defined by `AddressInfo` are not accepted in the
//!   address lists.
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> Strip(14) -> CheckIPHeader(INTERFACES 10.0.0.1/24)
//!     -> GetIPAddress(16) -> ...
//! ```

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use clickconf::args::{ArgError, ArgValue, Args, IpPrefix, ValueError, split_words};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::ipv4::HEADER_LEN as IP_MIN_HEADER;
use packet::{Ipv4Packet, Packet, checksum};

pub const SPEC: ElementSpec = ElementSpec {
    class: "CheckIPHeader",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("checkipheader.rs"),
    drop_reasons: &[
        "tiny_packet",
        "bad_version",
        "bad_header_length",
        "bad_length",
        "bad_checksum",
        "bad_source",
    ],
    handlers: &[
        HandlerSpec::read("drops", "invalid packets seen"),
        HandlerSpec::read("drop_details", "invalid packets by reason (DETAILS true)"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Why a header is invalid; the index of the drop reason in [`SPEC`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    TinyPacket = 0,
    BadVersion = 1,
    BadHeaderLength = 2,
    BadLength = 3,
    BadChecksum = 4,
    BadSource = 5,
}

/// What [`CheckIPHeader::check`] finds in a valid header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Valid {
    pub header_len: usize,
    pub total_len: usize,
    pub dst: Ipv4Addr,
}

/// Click's texts for the reasons, as `drop_details` prints them.
const REASON_TEXTS: [&str; 6] = [
    "tiny packet",
    "bad IP version",
    "bad IP header length",
    "bad IP length",
    "bad IP checksum",
    "bad source address",
];

pub struct CheckIPHeader {
    offset: usize,
    bad_src: Vec<Ipv4Addr>,
    good_dst: Vec<Ipv4Addr>,
    checksum: bool,
    /// Per-reason counts, when DETAILS is true.
    details: Option<[u64; 6]>,
    drops: u64,
    /// Output 1 is connected: invalid packets go there.
    error_output: bool,
}

/// A space-separated list of IPv4 addresses.
struct AddressList(Vec<Ipv4Addr>);

impl ArgValue for AddressList {
    fn parse_arg(text: &str) -> Result<AddressList, ValueError> {
        split_words(text)
            .into_iter()
            .map(Ipv4Addr::parse_arg)
            .collect::<Result<Vec<_>, _>>()
            .map(AddressList)
            .map_err(|_| ValueError::new("expected list of IP addresses"))
    }
}

/// INTERFACES: (bad sources, good destinations).
struct Interfaces(Vec<Ipv4Addr>, Vec<Ipv4Addr>);

impl ArgValue for Interfaces {
    fn parse_arg(text: &str) -> Result<Interfaces, ValueError> {
        let mut bad = Vec::new();
        let mut good = Vec::new();
        for word in split_words(text) {
            let prefix = IpPrefix::parse_arg(word)?;
            let mask = u32::from(prefix.mask());
            let addr = u32::from(prefix.addr);
            bad.push(Ipv4Addr::from((addr & mask) | !mask));
            good.push(prefix.addr);
        }
        bad.push(Ipv4Addr::UNSPECIFIED);
        bad.push(Ipv4Addr::BROADCAST);
        Ok(Interfaces(bad, good))
    }
}

/// True when `text` starts like `KEYWORD value` in Click's argument rules.
fn keyword_of(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_:.?!".contains(c)))
        .unwrap_or(text.len());
    let word = &text[..end];
    let starts_ok = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest = &text[end..];
    let spaced = rest.starts_with(|c: char| c.is_ascii_whitespace()) && !rest.trim().is_empty();
    (starts_ok && spaced).then_some(word)
}

impl CheckIPHeader {
    /// Reads the arguments (see the doc header) for an element with
    /// `noutputs` outputs.
    pub fn configure(args: &mut Args, noutputs: usize) -> Result<CheckIPHeader, ConfigError> {
        let interfaces = args.read::<Interfaces>("INTERFACES")?;
        let bad_src = args.read::<AddressList>("BADSRC")?;
        let good_dst = args.read::<AddressList>("GOODDST")?;
        let mut offset = args.read::<u32>("OFFSET")?.unwrap_or(0);
        let _verbose = args.read::<bool>("VERBOSE")?;
        let details = args.read::<bool>("DETAILS")?.unwrap_or(false);
        let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(true);
        // Click reads the keywords first, then takes one remaining integer
        // argument as the offset.
        let rest = args.rest();
        match rest.as_slice() {
            [] => {}
            [one] if u32::parse_arg(&one.text).is_ok() => {
                offset = u32::parse_arg(&one.text).unwrap_or(offset);
            }
            [first, ..] => {
                let bad = rest
                    .iter()
                    .find_map(|a| keyword_of(&a.text).map(|k| (a, k)));
                let (arg, message) = match bad {
                    Some((a, k)) => (a, format!("{k}: unknown argument")),
                    None => (first, "too many arguments".to_string()),
                };
                return Err(ConfigError::Arg(ArgError {
                    offset: arg.offset,
                    len: arg.len,
                    message,
                }));
            }
        }
        let (mut bad, mut good) = match interfaces {
            Some(Interfaces(b, g)) => (b, g),
            None => (Vec::new(), Vec::new()),
        };
        if let Some(AddressList(b)) = bad_src {
            bad = b;
        }
        if let Some(AddressList(g)) = good_dst {
            good = g;
        }
        Ok(CheckIPHeader {
            offset: offset as usize,
            bad_src: bad,
            good_dst: good,
            checksum,
            details: details.then_some([0; 6]),
            drops: 0,
            error_output: noutputs >= 2,
        })
    }

    /// Checks the IPv4 header at the element's offset in `data`.
    #[inline(always)]
    pub fn check(&self, data: &[u8]) -> Result<Valid, Reason> {
        let bytes = data.get(self.offset..).unwrap_or_default();
        let fixed = bytes
            .first_chunk::<IP_MIN_HEADER>()
            .ok_or(Reason::TinyPacket)?;
        // A view of the fixed header: its accessors cannot panic.
        let ip = Ipv4Packet::new_unchecked(fixed);
        if ip.version() != 4 {
            return Err(Reason::BadVersion);
        }
        let hlen = ip.header_len();
        if hlen < IP_MIN_HEADER {
            return Err(Reason::BadHeaderLength);
        }
        let len = usize::from(ip.total_len());
        if len > bytes.len() || len < hlen {
            return Err(Reason::BadLength);
        }
        // hlen <= len <= bytes.len(): the header is inside the packet.
        if self.checksum {
            let ok = if hlen == IP_MIN_HEADER {
                fixed_header_checksum_ok(fixed)
            } else {
                bytes.get(..hlen).is_some_and(checksum::verify)
            };
            if !ok {
                return Err(Reason::BadChecksum);
            }
        }
        let dst = ip.dst_addr();
        if !self.bad_src.is_empty()
            && self.bad_src.contains(&ip.src_addr())
            && !self.good_dst.contains(&dst)
        {
            return Err(Reason::BadSource);
        }
        Ok(Valid {
            header_len: hlen,
            total_len: len,
            dst,
        })
    }

    fn invalid(&mut self, reason: Reason) -> Verdict {
        self.drops += 1;
        if let Some(d) = &mut self.details {
            d[reason as usize] += 1;
        }
        if self.error_output {
            Verdict::Out(1)
        } else {
            Verdict::Drop(DropReason(reason as u16))
        }
    }
}

/// True when a 20-byte IPv4 header (its checksum field included) sums to
/// 0xffff.
///
/// Summed as five native-endian 32-bit words (the one's-complement sum
/// does not depend on byte order, and 0xffff is its own byte swap), which
/// is several times faster than the general sum, built for long payloads.
#[inline(always)]
fn fixed_header_checksum_ok(h: &[u8; IP_MIN_HEADER]) -> bool {
    let w = |i: usize| u64::from(u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]));
    let mut s = w(0) + w(4) + w(8) + w(12) + w(16);
    s = (s & 0xffff_ffff) + (s >> 32);
    s = (s & 0xffff_ffff) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s == 0xffff
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(CheckIPHeader::configure(args, cx.noutputs)?))
}

impl SimpleAction for CheckIPHeader {
    #[inline(always)]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let valid = match self.check(packet.data()) {
            Ok(v) => v,
            Err(reason) => return self.invalid(reason),
        };
        // check() saw total_len <= len - offset.
        let extra = packet.len() - self.offset - valid.total_len;
        packet.set_network_header(self.offset, valid.header_len);
        if extra > 0 {
            // Cannot fail: the extra bytes are there to take.
            let _ = packet.take(extra);
        }
        packet.anno_mut().set_dst_ip(valid.dst);
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "drop_details" => match &self.details {
                Some(counts) => {
                    let mut s = String::new();
                    for (n, text) in counts.iter().zip(REASON_TEXTS) {
                        let _ = writeln!(s, "{n}\t{text}");
                    }
                    Ok(s)
                }
                None => Err(HandlerError::NoSuchHandler(name.into())),
            },
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{
        assert_accounted, configure, ether_ip, fix_checksum, ipv4_udp, run_through,
    };
    use proptest::prelude::*;

    impl CheckIPHeader {
        fn check_lens(&self, data: &[u8]) -> Result<(usize, usize), Reason> {
            self.check(data).map(|v| (v.header_len, v.total_len))
        }
    }

    fn element(config: &str, noutputs: usize) -> CheckIPHeader {
        configure(config, |a| CheckIPHeader::configure(a, noutputs)).expect("configures")
    }

    fn verdict(e: &mut CheckIPHeader, frame: &[u8]) -> (Verdict, Packet) {
        let mut p = Packet::from_slice(frame).expect("fits");
        let v = e.action(&mut p);
        (v, p)
    }

    #[test]
    fn valid_packet_is_marked_and_trimmed() {
        let mut e = element("14", 1);
        let mut frame = ether_ip(&ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2]));
        frame.extend_from_slice(&[0; 18]); // Ethernet padding to 60 bytes
        let (v, p) = verdict(&mut e, &frame);
        assert_eq!(v, Verdict::Pass);
        assert_eq!(p.len(), 14 + 28);
        assert_eq!(p.network_header_data_offset(), Some(14));
        assert_eq!(p.anno().transport_header(), Some(p.data_offset() + 34));
        assert_eq!(p.anno().dst_ip(), Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(e.drops, 0);
    }

    #[test]
    fn each_check_in_order() {
        let good = ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2]);
        let mut e = element("DETAILS true", 1);
        let cases: Vec<(Vec<u8>, Reason)> = vec![
            (good[..19].to_vec(), Reason::TinyPacket),
            (
                {
                    let mut b = good.clone();
                    b[0] = 0x65;
                    b
                },
                Reason::BadVersion,
            ),
            (
                {
                    let mut b = good.clone();
                    b[0] = 0x44;
                    b
                },
                Reason::BadHeaderLength,
            ),
            (
                {
                    let mut b = good.clone();
                    b[3] = 29; // longer than the packet
                    fix_checksum(&mut b);
                    b
                },
                Reason::BadLength,
            ),
            (
                {
                    let mut b = good.clone();
                    b[3] = 19; // shorter than the header
                    fix_checksum(&mut b);
                    b
                },
                Reason::BadLength,
            ),
            (
                {
                    let mut b = good.clone();
                    b[10] ^= 1;
                    b
                },
                Reason::BadChecksum,
            ),
        ];
        for (bytes, want) in &cases {
            assert_eq!(e.check(bytes), Err(*want), "{bytes:02x?}");
            let (v, _) = verdict(&mut e, bytes);
            assert_eq!(v, Verdict::Drop(DropReason(*want as u16)));
        }
        assert_eq!(e.drops, cases.len() as u64);
        assert_eq!(
            e.read_handler("drop_details").unwrap(),
            "1\ttiny packet\n1\tbad IP version\n1\tbad IP header length\n2\tbad IP length\n1\tbad IP checksum\n0\tbad source address\n"
        );
    }

    #[test]
    fn checksum_false_skips_the_checksum() {
        let mut b = ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2]);
        b[10] ^= 0xff;
        assert_eq!(element("", 1).check_lens(&b), Err(Reason::BadChecksum));
        assert_eq!(element("CHECKSUM false", 1).check_lens(&b), Ok((20, 28)));
    }

    #[test]
    fn error_output_when_connected() {
        let mut e = element("", 2);
        let (v, _) = verdict(&mut e, &[0x45; 10]);
        assert_eq!(v, Verdict::Out(1));
        assert_eq!(e.read_handler("drops").unwrap(), "1");
        assert!(e.read_handler("drop_details").is_err());
    }

    #[test]
    fn bad_sources_and_interfaces() {
        let e = element("INTERFACES 10.0.0.1/24 192.168.1.1", 1);
        assert_eq!(
            e.bad_src,
            [
                Ipv4Addr::new(10, 0, 0, 255),
                Ipv4Addr::new(192, 168, 1, 1),
                Ipv4Addr::UNSPECIFIED,
                Ipv4Addr::BROADCAST
            ]
        );
        assert_eq!(
            e.good_dst,
            [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 168, 1, 1)]
        );
        let from_bcast = ipv4_udp(64, [10, 0, 0, 255], [10, 0, 0, 7]);
        assert_eq!(e.check_lens(&from_bcast), Err(Reason::BadSource));
        let to_us = ipv4_udp(64, [10, 0, 0, 255], [10, 0, 0, 1]);
        assert_eq!(e.check_lens(&to_us), Ok((20, 28)));
        let zero = ipv4_udp(64, [0, 0, 0, 0], [8, 8, 8, 8]);
        assert_eq!(e.check_lens(&zero), Err(Reason::BadSource));

        let e = element("BADSRC 1.2.3.4 5.6.7.8, GOODDST 9.9.9.9", 1);
        assert_eq!(
            e.check_lens(&ipv4_udp(1, [5, 6, 7, 8], [1, 1, 1, 1])),
            Err(Reason::BadSource)
        );
        assert_eq!(
            e.check_lens(&ipv4_udp(1, [5, 6, 7, 8], [9, 9, 9, 9])),
            Ok((20, 28))
        );
        assert_eq!(
            e.check_lens(&ipv4_udp(1, [0, 0, 0, 0], [1, 1, 1, 1])),
            Ok((20, 28))
        );
    }

    #[test]
    fn arguments() {
        assert_eq!(element("", 1).offset, 0);
        assert_eq!(element("14", 1).offset, 14);
        assert_eq!(element("OFFSET 14", 1).offset, 14);
        assert_eq!(element("CHECKSUM false, 0x0e", 1).offset, 14);
        assert_eq!(element("OFFSET 14, 12", 1).offset, 12);
        let err = |c: &str| {
            configure(c, |a| CheckIPHeader::configure(a, 1))
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(err("1.2.3.4").as_deref(), Some("too many arguments"));
        assert_eq!(err("14, 15").as_deref(), Some("too many arguments"));
        assert_eq!(
            err("ALIGNED true").as_deref(),
            Some("ALIGNED: unknown argument")
        );
        assert!(err("BADSRC 1.2.3").is_some());
        assert!(err("INTERFACES 10.0.0.1/33").is_some());
    }

    #[test]
    fn options_are_covered_by_the_checksum() {
        let mut ip = vec![0u8; 24];
        ip[0] = 0x46;
        ip[3] = 24;
        ip[8] = 9;
        ip[20] = 1; // NOP option
        fix_checksum(&mut ip);
        let mut e = element("", 1);
        assert_eq!(e.check_lens(&ip), Ok((24, 24)));
        let (_, p) = verdict(&mut e, &ip);
        assert_eq!(p.anno().transport_header(), Some(p.data_offset() + 24));
        ip[21] = 1;
        assert_eq!(e.check_lens(&ip), Err(Reason::BadChecksum));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn fast_header_checksum_agrees(h in proptest::collection::vec(any::<u8>(), 20..=20), fix in any::<bool>()) {
            let mut h = h;
            if fix {
                h[0] = 0x45;
                fix_checksum(&mut h);
            }
            prop_assert_eq!(fixed_header_checksum_ok(&h.clone().try_into().unwrap()), checksum::verify(&h));
        }

        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
            offset in 0usize..40,
            errors in any::<bool>(),
        ) {
            let config = if errors {
                format!("Idle -> e :: CheckIPHeader({offset}) -> Discard; e[1] -> Discard;")
            } else {
                format!("Idle -> e :: CheckIPHeader({offset}, CHECKSUM false) -> Discard;")
            };
            let (_router, stats) = run_through(&config, &frames);
            assert_accounted(&stats, frames.len());
        }

        #[test]
        fn headers_that_pass_are_well_formed(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut e = element("", 1);
            let mut p = Packet::from_slice(&bytes).unwrap();
            if e.action(&mut p) == Verdict::Pass {
                let d = p.data();
                prop_assert_eq!(d[0] >> 4, 4);
                prop_assert!(usize::from(d[0] & 0xf) * 4 <= d.len());
                prop_assert_eq!(usize::from(u16::from_be_bytes([d[2], d[3]])), d.len());
            }
        }
    }
}
