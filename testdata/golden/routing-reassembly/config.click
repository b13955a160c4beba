// cross-checked: click
// IPReassembler on the IPv4 frames of mixed.pcap: the UDP datagram the
// capture holds in two fragments comes out whole, and every packet cut by
// IPFragmenter at MTU 576 comes back as it went in (DF packets over the
// MTU are set aside first).
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> t :: Tee(2);
t[0] -> r1 :: IPReassembler -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/direct.pcap);
t[1] -> fr :: IPFragmenter(576) -> r2 :: IPReassembler
  -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/refragmented.pcap);
fr[1] -> Discard;
