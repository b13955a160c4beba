// cross-checked: click
// IPFilter as a firewall over the IPv4 frames of
// mixed.pcap: allowed, numbered and denied rules, the ternary,
// juxtaposition and repeated values; unmatched packets are dropped.
AddressInfo(inside 10.0.0.0/8);
FromDump(@IN@/mixed.pcap, STOP true) -> e :: Classifier(12/0800, -);
e[1] -> Discard;
e[0] -> CheckIPHeader(14, CHECKSUM false)
  -> f :: IPFilter(deny src host 10.0.0.1 and dst port 22,
                   allow src net inside && tcp && dst port 80 or 443,
                   1 udp dst port domain or 5001,
                   2 tcp syn ack,
                   allow icmp ? icmp type echo : false,
                   1 ip dscp 8,
                   drop all);
f[0] -> a :: Counter -> ToDump(@OUT@/allowed.pcap);
f[1] -> b :: Counter -> ToDump(@OUT@/one.pcap);
f[2] -> ToDump(@OUT@/two.pcap);
