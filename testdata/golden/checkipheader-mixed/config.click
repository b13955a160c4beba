// cross-checked: click
// CheckIPHeader on every IPv4 frame of mixed.pcap (Ethernet header
// stripped, then restored): good headers have their padding trimmed; bad
// ones (12-byte header, IHL 4, length past the end, version 6, bad
// checksum, source 0.0.0.0 to a broadcast) leave on output 1. The second
// CheckIPHeader, with no output 1, drops them and skips the checksum.
FromDump(@IN@/mixed.pcap, STOP true) -> cl :: Classifier(12/0800, -);
cl[0] -> t :: Tee(2);
t[0] -> Strip(14)
  -> c :: CheckIPHeader(DETAILS true, INTERFACES 10.0.0.1/24 192.168.1.10)
  -> Unstrip(14) -> good :: ToDump(@OUT@/good.pcap);
c[1] -> Unstrip(14) -> bad :: ToDump(@OUT@/bad.pcap);
t[1] -> c2 :: CheckIPHeader(14, CHECKSUM false) -> good2 :: ToDump(@OUT@/good-nochecksum.pcap);
cl[1] -> Discard;
