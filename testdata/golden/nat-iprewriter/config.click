// cross-checked: click
// IPRewriter as a NAPT with public address 1.0.0.1 on nat-flows.pcap:
// inside packets (not to 1.0.0.1) enter input 0, outside ones input 1;
// ICMP errors to the public address go through ICMPRewriter. Checks own
// port kept, sequential allocation when taken, replies in both flows,
// unknown outside packets dropped, a TCP handshake, a port below the
// range, an existing mapping reused, and the quoted packet of a port
// unreachable translated. Click ran the same text without BURST (its
// FromDump hands on one packet per run; BURST 1 gives ours that order).
FromDump(@IN@/nat-flows.pcap, STOP true, BURST 1)
  -> MarkIPHeader(14)
  -> c :: IPClassifier(dst host 1.0.0.1 and icmp type unreachable, dst host 1.0.0.1, -);
rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop);
c[2] -> [0]rw;
c[1] -> [1]rw;
c[0] -> icmp :: ICMPRewriter(rw) -> ToDump(@OUT@/icmp.pcap);
icmp[1] -> Discard;
rw[0] -> ToDump(@OUT@/out.pcap);
rw[1] -> ToDump(@OUT@/in.pcap);
