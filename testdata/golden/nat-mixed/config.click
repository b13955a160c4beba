// cross-checked: click
// IPRewriter and ICMPPingRewriter as a NAT with public address 1.0.0.1 on
// nat-mixed.pcap, flows in both directions: inside TCP/UDP (from
// 10.0.0.0/8) enters rw's input 0, outside TCP/UDP input 1, inside GRE
// input 2 (passed on); pings and their replies go through ping, ICMP
// errors through ICMPRewriter with both rewriters' mappings. The tables
// show the UDP flow that became streaming (its own timeout), the TCP
// connection done after FINs both ways, the reset one, and two pings with
// the same ID from two hosts. Click ran the same text without BURST (its
// FromDump hands on one packet per run; BURST 1 gives ours that order).
rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop, pass 2,
                 UDP_STREAMING_TIMEOUT 600, TCP_DONE_TIMEOUT 120);
ping :: ICMPPingRewriter(pattern 1.0.0.1 - 1000-2000# 0 1, drop);
FromDump(@IN@/nat-mixed.pcap, STOP true, BURST 1)
  -> MarkIPHeader(14)
  -> c :: IPClassifier(src net 10.0.0.0/8 and icmp,
                       src net 10.0.0.0/8 and ip proto 47,
                       src net 10.0.0.0/8,
                       icmp type echo-reply,
                       icmp,
                       -);
c[0] -> [0]ping;
c[1] -> [2]rw;
c[2] -> [0]rw;
c[3] -> [1]ping;
c[4] -> err :: ICMPRewriter(rw ping) -> ToDump(@OUT@/errors.pcap);
err[1] -> ToDump(@OUT@/unmapped.pcap);
c[5] -> [1]rw;
rw[0] -> ToDump(@OUT@/out.pcap);
rw[1] -> ToDump(@OUT@/in.pcap);
rw[2] -> ToDump(@OUT@/passed.pcap);
ping[0] -> ToDump(@OUT@/ping-out.pcap);
ping[1] -> ToDump(@OUT@/ping-in.pcap);
