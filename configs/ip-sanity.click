// ip-sanity.click — the bundled example.
//
// Reads a small capture of mixed traffic (testdata/captures/mixed.pcap, made
// by `cargo run --bin make-captures`), sorts frames by EtherType, checks the
// IPv4 headers the way a router's input path does, decrements TTLs, and
// writes the IPv4 packets that survive to /tmp/yard-example.pcap.
//
//   yard run configs/ip-sanity.click --stats -h ip.count -h bad.count
//
// Run from the repository's root (the capture path is relative).

src :: FromDump(testdata/captures/mixed.pcap, STOP true);

// Output 0: ARP; output 1: IPv4; output 2: everything else.
by_type :: Classifier(12/0806, 12/0800, -);

src -> by_type;

by_type[0] -> arp :: Counter -> Discard;
by_type[2] -> other :: Counter -> Discard;

// CheckIPHeader and DecIPTTL work on the IP header, so the Ethernet header
// is stripped first and restored after.
by_type[1]
  -> Strip(14)
  -> check :: CheckIPHeader;

check[0]
  -> ttl :: DecIPTTL;
check[1]                       // malformed IPv4 headers
  -> bad :: Counter -> Discard;

ttl[0] -> Unstrip(14) -> ip :: Counter -> ToDump(/tmp/yard-example.pcap);
ttl[1]                         // TTL expired
  -> expired :: Counter -> Discard;
