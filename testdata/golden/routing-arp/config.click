// cross-checked: click
// ARPResponder and ARPQuerier on routing-arp.pcap (one router interface,
// 10.0.0.254): the responder answers requests for the router and, as a
// proxy, for 10.0.0.64/26 (replies restamped, as Click makes them with no
// timestamp), and passes everything else to output 1; the querier holds
// IPv4 packets for 10.0.0.2 and 10.0.0.3 until their replies come, asks
// once per address, ignores the reply from a multicast Ethernet address
// (10.0.0.9 stays unresolved, its packet waiting), and sends broadcast and
// multicast packets without asking.
// Click ran the same text without BURST (it hands on one packet per run);
// ours takes BURST 1 so that packets reach the Tee's branches in the same
// order (the ICMPError IP IDs and the ARP exchange depend on it).
FromDump(@IN@/routing-arp.pcap, STOP true, BURST 1) -> t :: Tee(2);
t[0] -> ar :: ARPResponder(10.0.0.254 02:00:00:00:00:fe, 10.0.0.64/26 02:00:00:00:00:aa);
ar[0] -> SetTimestamp(1700000000) -> ToDump(@OUT@/replies.pcap);
ar[1] -> ToDump(@OUT@/not-answered.pcap);
t[1] -> c :: Classifier(12/0806 20/0002, 12/0800, -);
c[0] -> [1]q :: ARPQuerier(10.0.0.254/24, 02:00:00:00:00:fe);
c[1] -> Strip(14) -> MarkIPHeader -> GetIPAddress(16) -> q;
c[2] -> Discard;
q[0] -> ToDump(@OUT@/sent.pcap);
q[1] -> ToDump(@OUT@/queries.pcap);
