// cross-checked: click
// FORCE_IP sends IPv4 and IPv6 packets (also behind an 802.1Q tag) to
// output 0 with their network header marked, everything else (ARP, LLDP,
// runts, cut or short IP headers) to output 1.
fd :: FromDump(@IN@/mixed.pcap, FORCE_IP true, STOP true);
fd[0] -> t :: Tee;
t[0] -> ip :: ToDump(@OUT@/ip.pcap);
t[1] -> StripToNetworkHeader -> net :: ToDump(@OUT@/net.pcap, ENCAP IP);
fd[1] -> nonip :: ToDump(@OUT@/nonip.pcap);
