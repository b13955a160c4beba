// cross-checked: click
// StoreIPAddress on the IPv4 packets of mixed.pcap (TCP, UDP with and
// without checksums, ICMP, fragments): the annotation SetRandIPAddress set
// (a /32, so not random) into the destination field, an address into the
// source field, with Click's incremental checksum updates; and at byte
// offsets within every packet (Click mishandles offsets past the end: see
// StoreIPAddress's documentation; the unit tests cover them).
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> t :: Tee(3);
t[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false)
  -> SetRandIPAddress(192.0.2.77) -> StoreIPAddress(dst) -> Unstrip(14)
  -> ToDump(@OUT@/dst.pcap);
t[1] -> Strip(14) -> CheckIPHeader(CHECKSUM false)
  -> StoreIPAddress(198.51.100.1, src) -> Unstrip(14)
  -> ToDump(@OUT@/src.pcap);
t[2] -> Strip(14) -> CheckIPHeader(CHECKSUM false)
  -> StoreIPAddress(10.9.8.7, 4) -> s2 :: StoreIPAddress(1.1.1.1, 16)
  -> Unstrip(14) -> ToDump(@OUT@/offset.pcap);
s2[1] -> short :: Counter -> Discard;
