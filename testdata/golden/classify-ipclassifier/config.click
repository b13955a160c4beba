// cross-checked: click
// IPClassifier over every IPv4 frame of mixed.pcap
// (checked by CheckIPHeader, which drops the malformed ones: Click's MarkIPHeader aborts on them): protocols, ports by name,
// flags, ICMP types, fragments, byte access, names from AddressInfo.
AddressInfo(lan 192.168.1.0/24, server 10.0.0.2);
FromDump(@IN@/mixed.pcap, STOP true) -> e :: Classifier(12/0800, -);
e[1] -> Discard;
e[0] -> CheckIPHeader(14, CHECKSUM false)
  -> c :: IPClassifier(dst tcp port www and syn,
                       icmp type echo or icmp type echo-reply,
                       src net lan and udp,
                       ip frag,
                       dst host server && tcp opt ack,
                       ip[8] < 2 || ip ttl > 200,
                       transp[0:2] = 53,
                       -);
c[0] -> ToDump(@OUT@/0.pcap);
c[1] -> ToDump(@OUT@/1.pcap);
c[2] -> ToDump(@OUT@/2.pcap);
c[3] -> ToDump(@OUT@/3.pcap);
c[4] -> ToDump(@OUT@/4.pcap);
c[5] -> ToDump(@OUT@/5.pcap);
c[6] -> ToDump(@OUT@/6.pcap);
c[7] -> ToDump(@OUT@/7.pcap);
