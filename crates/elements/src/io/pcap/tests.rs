//! Reader and writer tests on literal byte arrays, and a property test that
//! no input makes the readers panic.

use super::*;

/// Appends `v` in the given order.
fn put32(out: &mut Vec<u8>, big: bool, v: u32) {
    out.extend_from_slice(&if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    });
}

fn put16(out: &mut Vec<u8>, big: bool, v: u16) {
    out.extend_from_slice(&if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    });
}

fn pcap_header(big: bool, magic: u32, minor: u16, snaplen: u32, link: u32) -> Vec<u8> {
    let mut h = Vec::new();
    put32(&mut h, big, magic);
    put16(&mut h, big, 2);
    put16(&mut h, big, minor);
    put32(&mut h, big, 0);
    put32(&mut h, big, 0);
    put32(&mut h, big, snaplen);
    put32(&mut h, big, link);
    h
}

fn pcap_record(
    out: &mut Vec<u8>,
    big: bool,
    sec: u32,
    frac: u32,
    incl: u32,
    orig: u32,
    data: &[u8],
) {
    put32(out, big, sec);
    put32(out, big, frac);
    put32(out, big, incl);
    put32(out, big, orig);
    out.extend_from_slice(data);
}

/// (timestamp, wire length, data, link type, offset) of one record.
type Rec = (Timestamp, u32, Vec<u8>, u32, u64);

fn read_all(bytes: &[u8]) -> Result<Vec<Rec>, CaptureError> {
    let mut r = CaptureReader::new(bytes, "test.pcap")?;
    let mut out = Vec::new();
    while let Some(rec) = r.next_record()? {
        out.push((
            rec.timestamp,
            rec.orig_len,
            rec.data.to_vec(),
            rec.link_type,
            rec.offset,
        ));
    }
    Ok(out)
}

fn problem(bytes: &[u8]) -> (u64, FormatProblem) {
    match read_all(bytes) {
        Err(CaptureError::Format {
            offset,
            problem,
            file,
        }) => {
            assert_eq!(file, "test.pcap");
            (offset, problem)
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn little_endian_microseconds() {
    let mut f = pcap_header(false, PCAP_MAGIC_USEC, 4, 65535, 1);
    pcap_record(&mut f, false, 1_700_000_000, 5, 3, 3, &[1, 2, 3]);
    pcap_record(&mut f, false, 1_700_000_001, 999_999, 2, 60, &[4, 5]);
    let r = CaptureReader::new(&f[..], "x").unwrap();
    assert_eq!(
        r.format(),
        CaptureFormat::Pcap {
            big_endian: false,
            nanosecond: false,
            version: (2, 4),
            snaplen: 65535
        }
    );
    assert_eq!(r.link_type(), Some(linktype::ETHERNET));
    let recs = read_all(&f).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].0, Timestamp::new(1_700_000_000, 5_000));
    assert_eq!(recs[0].2, vec![1, 2, 3]);
    assert_eq!(recs[0].4, 24);
    assert_eq!(recs[1].0, Timestamp::new(1_700_000_001, 999_999_000));
    assert_eq!(recs[1].1, 60);
    assert_eq!(recs[1].4, 24 + 19);
}

#[test]
fn big_endian_nanoseconds_raw_ip() {
    for link in [101, 12, 228, 229] {
        let mut f = pcap_header(true, PCAP_MAGIC_NSEC, 4, 96, link);
        pcap_record(&mut f, true, 10, 123_456_789, 1, 1, &[0x45]);
        let r = CaptureReader::new(&f[..], "x").unwrap();
        assert!(matches!(
            r.format(),
            CaptureFormat::Pcap {
                big_endian: true,
                nanosecond: true,
                ..
            }
        ));
        let recs = read_all(&f).unwrap();
        assert_eq!(recs[0].0, Timestamp::new(10, 123_456_789));
        assert_eq!(recs[0].3, linktype::RAW);
    }
}

#[test]
fn modified_pcap_has_longer_record_headers() {
    let mut f = pcap_header(false, PCAP_MAGIC_MODIFIED, 4, 65535, 1);
    pcap_record(&mut f, false, 1, 2, 2, 2, &[]);
    f.extend_from_slice(&[0xEE; 8]);
    f.extend_from_slice(&[7, 8]);
    let recs = read_all(&f).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].2, vec![7, 8]);
}

#[test]
fn old_versions_swap_lengths_and_long_caplen_is_cut() {
    // Version 2.2: the first length field is the wire length.
    let mut f = pcap_header(false, PCAP_MAGIC_USEC, 2, 65535, 1);
    pcap_record(&mut f, false, 1, 0, 50, 2, &[9, 9]);
    let recs = read_all(&f).unwrap();
    assert_eq!((recs[0].1, recs[0].2.clone()), (50, vec![9, 9]));
    // caplen one more than len (tcptrace): keep len bytes, skip the rest.
    let mut f = pcap_header(false, PCAP_MAGIC_USEC, 4, 65535, 1);
    pcap_record(&mut f, false, 1, 0, 3, 2, &[1, 2, 3]);
    pcap_record(&mut f, false, 2, 0, 1, 1, &[4]);
    let recs = read_all(&f).unwrap();
    assert_eq!(recs[0].2, vec![1, 2]);
    assert_eq!(recs[1].2, vec![4]);
}

#[test]
fn pcap_errors_name_the_offset() {
    assert_eq!(problem(&[0xd4, 0xc3]), (0, FormatProblem::TooShort));
    assert_eq!(problem(&[0u8; 24]), (0, FormatProblem::BadMagic(0)));
    let mut v3 = pcap_header(false, PCAP_MAGIC_USEC, 4, 0, 1);
    v3[4] = 3;
    assert_eq!(
        problem(&v3),
        (0, FormatProblem::PcapVersion { major: 3, minor: 4 })
    );
    let header = pcap_header(false, PCAP_MAGIC_USEC, 4, 65535, 1);
    assert_eq!(problem(&header[..20]), (0, FormatProblem::TooShort));

    let mut f = header.clone();
    pcap_record(&mut f, false, 1, 0, 4, 4, &[1, 2, 3, 4]);
    let whole = f.len();
    // Record header cut short.
    f.extend_from_slice(&[1, 0, 0, 0, 0, 0]);
    assert_eq!(
        problem(&f),
        (
            whole as u64,
            FormatProblem::Truncated {
                what: "packet record header",
                have: 6,
                need: 16
            }
        )
    );
    // Data cut short.
    let mut f = header.clone();
    pcap_record(&mut f, false, 1, 0, 4, 4, &[1, 2]);
    assert_eq!(
        problem(&f),
        (
            24,
            FormatProblem::Truncated {
                what: "packet record",
                have: 18,
                need: 20
            }
        )
    );
    let mut f = header;
    pcap_record(&mut f, false, 1, 0, MAX_CAPLEN + 1, MAX_CAPLEN + 1, &[]);
    assert_eq!(
        problem(&f),
        (
            24,
            FormatProblem::CaplenTooLarge {
                caplen: MAX_CAPLEN + 1
            }
        )
    );
    let e = read_all(&f).unwrap_err().to_string();
    assert!(e.starts_with("test.pcap: byte 24: captured length"), "{e}");
}

/// Builds pcapng blocks in either byte order.
struct Ng {
    big: bool,
    out: Vec<u8>,
}

impl Ng {
    fn new(big: bool) -> Ng {
        let mut ng = Ng {
            big,
            out: Vec::new(),
        };
        ng.shb();
        ng
    }

    fn shb(&mut self) {
        let big = self.big;
        let mut body = Vec::new();
        put32(&mut body, big, PCAPNG_BYTE_ORDER_MAGIC);
        put16(&mut body, big, 1);
        put16(&mut body, big, 0);
        body.extend_from_slice(&[0xFF; 8]);
        self.block(PCAPNG_SHB, &body);
    }

    fn block(&mut self, t: u32, body: &[u8]) {
        let padded = body.len().next_multiple_of(4);
        let len = (padded + 12) as u32;
        put32(&mut self.out, self.big, t);
        put32(&mut self.out, self.big, len);
        self.out.extend_from_slice(body);
        self.out.resize(self.out.len() + padded - body.len(), 0);
        put32(&mut self.out, self.big, len);
    }

    fn idb(&mut self, link: u16, snaplen: u32, options: &[(u16, &[u8])]) {
        let big = self.big;
        let mut body = Vec::new();
        put16(&mut body, big, link);
        put16(&mut body, big, 0);
        put32(&mut body, big, snaplen);
        for (code, v) in options {
            put16(&mut body, big, *code);
            put16(&mut body, big, v.len() as u16);
            body.extend_from_slice(v);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        if !options.is_empty() {
            body.extend_from_slice(&[0; 4]);
        }
        self.block(block::INTERFACE_DESCRIPTION, &body);
    }

    fn epb(&mut self, iface: u32, units: u64, data: &[u8], orig: u32) {
        let big = self.big;
        let mut body = Vec::new();
        put32(&mut body, big, iface);
        put32(&mut body, big, (units >> 32) as u32);
        put32(&mut body, big, units as u32);
        put32(&mut body, big, data.len() as u32);
        put32(&mut body, big, orig);
        body.extend_from_slice(data);
        body.resize(body.len().next_multiple_of(4), 0);
        // An option (comment) the reader ignores.
        put16(&mut body, big, 1);
        put16(&mut body, big, 2);
        body.extend_from_slice(b"hi\0\0");
        body.extend_from_slice(&[0; 4]);
        self.block(block::ENHANCED_PACKET, &body);
    }

    fn spb(&mut self, orig: u32, data: &[u8]) {
        let mut body = Vec::new();
        put32(&mut body, self.big, orig);
        body.extend_from_slice(data);
        self.block(block::SIMPLE_PACKET, &body);
    }

    fn opb(&mut self, iface: u16, units: u64, data: &[u8]) {
        let big = self.big;
        let mut body = Vec::new();
        put16(&mut body, big, iface);
        put16(&mut body, big, 0);
        put32(&mut body, big, (units >> 32) as u32);
        put32(&mut body, big, units as u32);
        put32(&mut body, big, data.len() as u32);
        put32(&mut body, big, data.len() as u32);
        body.extend_from_slice(data);
        self.block(block::PACKET_OBSOLETE, &body);
    }
}

#[test]
fn pcapng_both_byte_orders() {
    for big in [false, true] {
        let mut ng = Ng::new(big);
        // A name resolution block before the first interface is skipped.
        ng.block(block::NAME_RESOLUTION, &[0; 8]);
        ng.idb(1, 0, &[]);
        ng.idb(101, 0, &[(9, &[9]), (2, b"eth1")]);
        ng.epb(0, 1_700_000_000_000_001, &[1, 2, 3], 3);
        ng.block(0x0BAD_0000, &[1, 2, 3, 4, 5]);
        ng.epb(1, 1_700_000_000_000_000_007, &[0x45; 5], 1500);
        ng.spb(4, &[9, 8, 7, 6]);
        ng.opb(1, 42, &[1]);
        ng.block(block::INTERFACE_STATISTICS, &[0; 20]);
        let r = CaptureReader::new(&ng.out[..], "x").unwrap();
        assert_eq!(r.format(), CaptureFormat::PcapNg);
        assert_eq!(r.link_type(), Some(linktype::ETHERNET));
        let recs = read_all(&ng.out).unwrap();
        assert_eq!(recs.len(), 4, "big={big}");
        assert_eq!(recs[0].0, Timestamp::new(1_700_000_000, 1_000));
        assert_eq!((recs[0].2.clone(), recs[0].3), (vec![1, 2, 3], 1));
        assert_eq!(recs[1].0, Timestamp::new(1_700_000_000, 7));
        assert_eq!((recs[1].1, recs[1].3), (1500, linktype::RAW));
        assert_eq!(recs[2].0, Timestamp(0));
        assert_eq!(recs[2].2, vec![9, 8, 7, 6]);
        assert_eq!(recs[3].0, Timestamp(42));
    }
}

#[test]
fn pcapng_sections_change_byte_order_and_interfaces() {
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    ng.epb(0, 1, &[1], 1);
    let mut second = Ng::new(true);
    second.idb(113, 0, &[]);
    second.epb(0, 2, &[2], 1);
    ng.out.extend_from_slice(&second.out);
    let recs = read_all(&ng.out).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].3, linktype::LINUX_SLL);
    assert_eq!(recs[1].0, Timestamp(2_000));
}

#[test]
fn pcapng_resolutions_and_offsets() {
    let mut ng = Ng::new(false);
    // 2^-10 seconds, offset +100 s.
    ng.idb(1, 0, &[(9, &[0x8A]), (14, &100u64.to_le_bytes())]);
    ng.epb(0, (5 << 10) | 512, &[], 0);
    let recs = read_all(&ng.out).unwrap();
    assert_eq!(recs[0].0, Timestamp::new(105, 500_000_000));

    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[(9, &[12])]);
    ng.epb(0, 3_000_000_123_456, &[], 0);
    assert_eq!(read_all(&ng.out).unwrap()[0].0, Timestamp::new(3, 123));

    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[(9, &[20])]);
    assert_eq!(problem(&ng.out).1, FormatProblem::BadTsResol(20));
}

#[test]
fn pcapng_snaplen_limits_simple_packets() {
    let mut ng = Ng::new(false);
    ng.idb(1, 2, &[]);
    ng.spb(100, &[1, 2, 3, 4]);
    let recs = read_all(&ng.out).unwrap();
    assert_eq!((recs[0].1, recs[0].2.clone()), (100, vec![1, 2]));
}

#[test]
fn pcapng_errors() {
    // Packet before any interface.
    let mut ng = Ng::new(false);
    let at = ng.out.len() as u64;
    ng.epb(0, 0, &[1], 1);
    assert_eq!(
        problem(&ng.out),
        (at, FormatProblem::UnknownInterface { id: 0, count: 0 })
    );
    // Packet on an interface that does not exist.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    let at = ng.out.len() as u64;
    ng.epb(3, 0, &[1], 1);
    assert_eq!(
        problem(&ng.out),
        (at, FormatProblem::UnknownInterface { id: 3, count: 1 })
    );
    // Bad block length.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    let at = ng.out.len();
    ng.epb(0, 0, &[1], 1);
    ng.out[at + 4] = 13;
    assert_eq!(
        problem(&ng.out),
        (
            at as u64,
            FormatProblem::BadBlockLength {
                block_type: 6,
                len: 13
            }
        )
    );
    // Trailing length differs.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    let at = ng.out.len();
    ng.epb(0, 0, &[1], 1);
    let last = ng.out.len() - 4;
    ng.out[last] ^= 0x10;
    assert!(matches!(
        problem(&ng.out),
        (a, FormatProblem::BlockLengthMismatch { .. }) if a == at as u64
    ));
    // Captured length runs past the block.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    let at = ng.out.len();
    ng.epb(0, 0, &[1], 1);
    ng.out[at + 20] = 200;
    assert_eq!(
        problem(&ng.out),
        (at as u64, FormatProblem::CaplenPastBlock { caplen: 200 })
    );
    // Truncated block.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    let at = ng.out.len();
    ng.epb(0, 0, &[1, 2, 3, 4], 4);
    ng.out.truncate(ng.out.len() - 3);
    assert!(matches!(
        problem(&ng.out),
        (a, FormatProblem::Truncated { .. }) if a == at as u64
    ));
    // Bad byte-order magic.
    let mut ng = Ng::new(false);
    ng.out[8] = 0;
    assert!(matches!(
        problem(&ng.out),
        (0, FormatProblem::BadByteOrderMagic(_))
    ));
    // Option running past its block.
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[(2, b"abcd")]);
    let opt_len_at = 28 + 8 + 8 + 2;
    ng.out[opt_len_at] = 40;
    assert_eq!(
        problem(&ng.out),
        (28, FormatProblem::OptionPastBlock { code: 2 })
    );
    // Unsupported version.
    let mut ng = Ng::new(false);
    ng.out[12] = 2;
    assert!(matches!(
        problem(&ng.out),
        (0, FormatProblem::PcapNgVersion { major: 2, .. })
    ));
}

#[test]
fn unknown_blocks_are_streamed_past() {
    let mut ng = Ng::new(false);
    ng.idb(1, 0, &[]);
    // Longer than anything the reader would buffer.
    ng.block(0x4000_0001, &vec![0u8; MAX_BUFFERED_BLOCK as usize + 4]);
    ng.epb(0, 1, &[5], 1);
    let recs = read_all(&ng.out).unwrap();
    assert_eq!(recs.len(), 1);
}

#[test]
fn writers_round_trip() {
    for order in [ByteOrder::Little, ByteOrder::Big, ByteOrder::Native] {
        for nanosecond in [false, true] {
            let mut w = PcapWriter::new(
                Vec::new(),
                PcapWriterOptions {
                    nanosecond,
                    snaplen: 0,
                    link_type: linktype::ETHERNET,
                    byte_order: order,
                },
            )
            .unwrap();
            w.write_packet(Timestamp::new(1_700_000_000, 123_456_789), &[1, 2, 3], 3)
                .unwrap();
            let bytes = w.into_inner();
            let recs = read_all(&bytes).unwrap();
            let want = if nanosecond { 123_456_789 } else { 123_456_000 };
            assert_eq!(recs[0].0, Timestamp::new(1_700_000_000, want));
            assert_eq!(recs[0].2, vec![1, 2, 3]);
        }
        let mut w = PcapNgWriter::new(Vec::new(), order).unwrap();
        let usec = w.add_interface(1, 0, None).unwrap();
        let nsec = w.add_interface(101, 0, Some(9)).unwrap();
        w.write_block(block::NAME_RESOLUTION, &[0; 4]).unwrap();
        w.write_packet(usec, Timestamp::new(5, 6_000), &[1, 2, 3, 4, 5], 9)
            .unwrap();
        w.write_packet(nsec, Timestamp::new(5, 7), &[0x45], 1)
            .unwrap();
        let bytes = w.into_inner();
        let recs = read_all(&bytes).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(
            (recs[0].0, recs[0].1, recs[0].2.clone()),
            (Timestamp::new(5, 6_000), 9, vec![1, 2, 3, 4, 5])
        );
        assert_eq!(
            (recs[1].0, recs[1].3),
            (Timestamp::new(5, 7), linktype::RAW)
        );
    }
}

#[test]
fn link_type_names_follow_click() {
    assert_eq!(link_type_name(1), "ETHER");
    assert_eq!(link_type_name(101), "IP");
    assert_eq!(link_type_name(113), "SLL");
    assert_eq!(link_type_name(147), "#147");
    assert_eq!(parse_link_type("ETHER"), Some(1));
    assert_eq!(parse_link_type("IP"), Some(101));
    assert_eq!(parse_link_type("#147"), Some(147));
    assert_eq!(parse_link_type("ether"), None);
    assert_eq!(parse_link_type("#"), None);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn drain(bytes: &[u8]) {
        if let Ok(mut r) = CaptureReader::new(bytes, "fuzz") {
            let _ = r.link_type();
            // Every record or block consumes at least 8 bytes.
            for _ in 0..bytes.len() {
                match r.next_record() {
                    Ok(Some(rec)) => assert!(rec.data.len() <= MAX_CAPLEN as usize),
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }

    fn valid_pcapng() -> Vec<u8> {
        let mut ng = Ng::new(false);
        ng.idb(1, 0, &[(9, &[9])]);
        ng.epb(0, 1, &[1, 2, 3, 4, 5, 6, 7], 7);
        ng.spb(3, &[1, 2, 3]);
        ng.opb(0, 2, &[1, 2]);
        ng.out
    }

    fn valid_pcap() -> Vec<u8> {
        let mut f = pcap_header(false, PCAP_MAGIC_NSEC, 4, 65535, 1);
        pcap_record(&mut f, false, 1, 2, 5, 5, &[1, 2, 3, 4, 5]);
        pcap_record(&mut f, false, 1, 2, 1, 1, &[1]);
        f
    }

    proptest! {
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            drain(&bytes);
        }

        #[test]
        fn arbitrary_bytes_after_a_magic(
            which in 0..4usize,
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let magic: [u8; 4] = match which {
                0 => PCAP_MAGIC_USEC.to_le_bytes(),
                1 => PCAP_MAGIC_NSEC.to_be_bytes(),
                2 => PCAP_MAGIC_MODIFIED.to_le_bytes(),
                _ => PCAPNG_SHB.to_le_bytes(),
            };
            let mut f = magic.to_vec();
            f.extend_from_slice(&bytes);
            drain(&f);
        }

        #[test]
        fn mutated_valid_files(
            ng in any::<bool>(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
        ) {
            let mut f = if ng { valid_pcapng() } else { valid_pcap() };
            for (at, v) in edits {
                let i = at % f.len();
                f[i] = v;
            }
            let cut = cut % (f.len() + 1);
            f.truncate(cut.max(f.len() / 2));
            drain(&f);
        }
    }
}
