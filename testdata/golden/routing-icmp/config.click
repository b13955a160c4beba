// cross-checked: click
// ICMP and IP-option elements on routing-icmp.pcap (router 10.0.0.254):
// ICMPPingResponder answers the echo requests (not the reply, the later
// fragment or the truncated one); ICMPError makes time-exceeded,
// port-unreachable (with BADADDRS), redirect and parameter-problem errors
// but none about ICMP errors, broadcasts, multicasts, bad sources or later
// fragments, no redirect for source-routed packets, and carries reversed
// source routes; IPGWOptions fills Record Route, raises a full
// Timestamp's overflow, skips a foreign prespecified address and sends
// malformed options to output 1 with the pointer; FixIPSrc gives errors
// the outgoing interface's address; IPFragmenter splits at 576 bytes
// (copying only copied options) and sets DF packets aside for
// "fragmentation needed". Errors are restamped: Click stamps them now.
// Click ran the same text without BURST (it hands on one packet per run);
// ours takes BURST 1 so that packets reach the Tee's branches in the same
// order (the ICMPError IP IDs and the ARP exchange depend on it).
FromDump(@IN@/routing-icmp.pcap, STOP true, BURST 1) -> Strip(14) -> MarkIPHeader -> t :: Tee(6);
t[0] -> ping :: ICMPPingResponder;
ping[0] -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/echo-replies.pcap);
ping[1] -> notecho :: Counter -> Discard;
t[1] -> te :: ICMPError(10.0.0.254, timeexceeded) -> FixIPSrc(192.168.1.254)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/time-exceeded.pcap);
t[2] -> ICMPError(10.0.0.254, unreachable, port, 10.0.0.255, MTU 100)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/unreachable.pcap);
t[3] -> SetIPAddress(10.0.0.99) -> ICMPError(10.0.0.254, redirect, host, SET_FIX_ANNO false) -> FixIPSrc(192.168.1.254)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/redirects.pcap);
t[4] -> gio :: IPGWOptions(10.0.0.254, 192.168.1.254);
gio[0] -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/options.pcap);
gio[1] -> ICMPError(10.0.0.254, parameterproblem)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/parameter-problems.pcap);
t[5] -> fr :: IPFragmenter(576);
fr[0] -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/fragments.pcap);
fr[1] -> ICMPError(10.0.0.254, unreachable, needfrag, PMTU 576)
  -> SetTimestamp(1700000000) -> EtherEncap(0x0800, 2:0:0:0:0:fe, 2:0:0:0:0:1) -> ToDump(@OUT@/needfrag.pcap);
