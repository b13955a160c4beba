// cross-checked: click
// A raw IP capture (link type 101) behaves as FORCE_IP true: IP packets
// leave output 0 with their IP header marked, the packet that is not IP
// leaves output 1. StripToNetworkHeader checks the marks.
fd :: FromDump(@IN@/ip-raw.pcap, STOP true);
fd[0] -> StripToNetworkHeader -> ip :: ToDump(@OUT@/ip.pcap, ENCAP IP);
fd[1] -> nonip :: ToDump(@OUT@/nonip.pcap, ENCAP IP);
