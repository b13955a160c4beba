// cross-checked: no (Click 2.1 has no GRE elements; gre.pcap was checked
// by hand: tcpdump -v decodes its 38 packets as GREv0 with checksum, key
// 0x2a and sequence numbers 0 to 37, a script verified the GRE and IP
// checksums, and decap.pcap equals the same IPv4 frames written through
// EtherEncap without the tunnel)
// IPv4 packets of mixed.pcap in GRE (key, sequence numbers, checksum) in
// IPv4, then decapsulated again: with KEY 42 and sequencing all pass; a
// receiver expecting key 7 rejects them all.
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false)
  -> enc :: GREEncap(0x0800, KEY 42, SEQUENCE true, CHECKSUM true)
  -> IPEncap(gre, 192.0.2.1, 198.51.100.7, TTL 64)
  -> t :: Tee(3);
t[0] -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/gre.pcap);
t[1] -> CheckIPHeader -> StripIPHeader
  -> dec :: GREDecap(KEY 42, SEQUENCE true)
  -> CheckIPHeader(CHECKSUM false)
  -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/decap.pcap);
dec[1] -> Discard;
t[2] -> CheckIPHeader -> StripIPHeader -> wrong :: GREDecap(KEY 7) -> Discard;
wrong[1] -> rejected :: Counter -> Discard;
