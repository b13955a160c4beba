// cross-checked: click
// The other rewriters on nat-flows.pcap, inside packets (not to 1.0.0.1)
// on input 0, outside ones on input 1: TCPRewriter and UDPRewriter split
// by protocol with a named pattern from IPRewriterPatterns, IPAddrRewriter
// (source addresses from a range, replies by destination),
// IPAddrPairRewriter, ICMPPingRewriter (no ICMP echo in the capture, so
// all dropped), and IPRewriter with a RoundRobinIPMapper sending flows to
// two servers in turn. The handlers include every table, in the order
// Click lists it.
IPRewriterPatterns(napt 1.0.0.1 2000-2999# - -);
rr :: RoundRobinIPMapper(- - 10.9.0.1 - 0 1, - - 10.9.0.2 - 0 1);
FromDump(@IN@/nat-flows.pcap, STOP true, BURST 1)
  -> MarkIPHeader(14)
  -> t :: Tee(5);
t[0] -> c0 :: IPClassifier(dst host 1.0.0.1, -);
c0[1] -> p :: IPClassifier(tcp, udp, -);
p[0] -> [0]tcp :: TCPRewriter(pattern napt 0 1, drop);
p[1] -> [0]udp :: UDPRewriter(pattern napt 0 1, drop);
p[2] -> Discard;
c0[0] -> p1 :: IPClassifier(tcp, udp, -);
p1[0] -> [1]tcp;
p1[1] -> [1]udp;
p1[2] -> Discard;
tcp[0] -> ToDump(@OUT@/tcp-out.pcap);
tcp[1] -> ToDump(@OUT@/tcp-in.pcap);
udp[0] -> ToDump(@OUT@/udp-out.pcap);
udp[1] -> ToDump(@OUT@/udp-in.pcap);
t[1] -> c1 :: IPClassifier(dst host 1.0.0.1, -);
c1[1] -> [0]addr :: IPAddrRewriter(pattern 3.0.0.1-3.0.0.9# - 0 1, drop);
c1[0] -> [1]addr;
addr[0] -> ToDump(@OUT@/addr-out.pcap);
addr[1] -> ToDump(@OUT@/addr-in.pcap);
t[2] -> pair :: IPAddrPairRewriter(pattern 4.0.0.1 - 0 0) -> ToDump(@OUT@/pair.pcap);
t[3] -> ping :: ICMPPingRewriter(pattern 5.0.0.1 - 0-65535# 0 0) -> Discard;
t[4] -> c4 :: IPClassifier(dst host 1.0.0.1, -);
c4[1] -> [0]lb :: IPRewriter(rr, drop);
c4[0] -> [1]lb;
lb[0] -> ToDump(@OUT@/lb.pcap);
lb[1] -> Discard;
