// cross-checked: click
// Routing pieces on the IPv4 frames of mixed.pcap (Ethernet header
// stripped): the same routes in LinearIPLookup, StaticIPLookup and
// DirectIPLookup (gateway routes set the annotation SetIPAddress then
// shows), IPMirror, and IPFragmenter at MTU 576 (the 1,514-byte frame is
// split; DF packets over the MTU leave on output 1).
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false) -> t :: Tee(5);
t[0] -> GetIPAddress(16)
  -> lin :: LinearIPLookup(10.0.0.0/24 0, 192.168.1.0/24 10.0.0.254 1, 0.0.0.0/0 2);
t[1] -> GetIPAddress(16)
  -> sta :: StaticIPLookup(10.0.0.0/24 0, 192.168.1.0/24 10.0.0.254 1, 0.0.0.0/0 2);
t[2] -> GetIPAddress(16)
  -> dir :: DirectIPLookup(10.0.0.0/24 0, 192.168.1.0/24 10.0.0.254 1, 0.0.0.0/0 2);
lin[0] -> l0 :: Counter -> Discard;
lin[1] -> l1 :: Counter -> Discard;
lin[2] -> l2 :: Counter -> Discard;
sta[0] -> s0 :: Counter -> Discard;
sta[1] -> s1 :: Counter -> Discard;
sta[2] -> s2 :: Counter -> Discard;
dir[0] -> d0 :: Counter -> Discard;
dir[1] -> d1 :: Counter -> Discard;
dir[2] -> d2 :: Counter -> Discard;
t[3] -> IPMirror -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/mirror.pcap);
t[4] -> fr :: IPFragmenter(576);
fr[0] -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/fragments.pcap);
fr[1] -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/df.pcap);
