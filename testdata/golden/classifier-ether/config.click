// cross-checked: click
// Classifier sorts mixed.pcap's frames by EtherType and IP protocol. There
// is no catch-all pattern, so what matches nothing (LLDP, the runt, IPv4 in
// VLAN tags without UDP, ...) is dropped.
FromDump(@IN@/mixed.pcap, STOP true)
  -> c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800 23/11,
                     12/0800 23/06, 12/0800, 12/86dd, 12/8100 16/0800 27/11);
c[0] -> arpreq :: ToDump(@OUT@/arp-request.pcap);
c[1] -> arprep :: ToDump(@OUT@/arp-reply.pcap);
c[2] -> udp :: ToDump(@OUT@/ipv4-udp.pcap);
c[3] -> tcp :: ToDump(@OUT@/ipv4-tcp.pcap);
c[4] -> ip :: ToDump(@OUT@/ipv4-other.pcap);
c[5] -> ip6 :: ToDump(@OUT@/ipv6.pcap);
c[6] -> vlan :: ToDump(@OUT@/vlan-udp.pcap);
