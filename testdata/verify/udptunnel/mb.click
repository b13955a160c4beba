// A UDP tunnel entry; the classifier after it finds the inner IPv4 header
// 8 bytes after the outer UDP header's start (offset 28).
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader
   -> UDPIPEncap(192.0.2.1, 4789, 198.51.100.7, 4789)
   -> c :: Classifier(28/45, -);
c[0] -> EtherEncap(0x0800, 0:0:0:0:0:1, 0:0:0:0:0:2) -> out :: ToDevice(eth1);
c[1] -> Discard;
