// cross-checked: click
// Tunnels on the IPv4 frames of mixed.pcap: IP-in-IP and UDP encapsulation
// (then decapsulation of the IP-in-IP with StripIPHeader), 802.1Q tagging
// with VLANEncap and EtherVLANEncap, and VLANDecap of the tagged frames.
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, 12/8100, -);
c[1] -> VLANDecap -> ToDump(@OUT@/vlandecap.pcap);
c[2] -> Discard;
c[0] -> t :: Tee(4);
t[0] -> Strip(14) -> CheckIPHeader(CHECKSUM false)
  -> IPEncap(ipip, 192.0.2.1, 198.51.100.7, TTL 64, DSCP 10)
  -> t2 :: Tee(2);
t2[0] -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/ipip.pcap);
t2[1] -> MarkIPHeader -> StripIPHeader -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2)
  -> ToDump(@OUT@/decap.pcap);
t[1] -> Strip(14) -> UDPIPEncap(192.0.2.1, 4789, 198.51.100.7, 4789, true)
  -> EtherEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2) -> ToDump(@OUT@/udp.pcap);
t[2] -> VLANEncap(VLAN_ID 100, VLAN_PCP 5) -> ToDump(@OUT@/vlan.pcap);
t[3] -> Strip(14) -> EtherVLANEncap(0x0800, 2:0:0:0:0:3, 2:0:0:0:0:4, VLAN_ID 7)
  -> ToDump(@OUT@/ethervlan.pcap);
