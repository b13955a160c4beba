// cross-checked: no (LookupIPRoute is not a Click 2.1 class: it is
// RadixIPLookup under Click's classic name; the expected files are those
// Click's RadixIPLookup produced for the same routes and packets in
// routing-lookup)
FromDump(@IN@/routing-icmp.pcap, STOP true, BURST 1) -> Strip(14) -> MarkIPHeader -> GetIPAddress(16)
  -> rt :: LookupIPRoute(10.0.0.0/24 0, 192.168.1.0/24 1, 192.168.1.10/32 192.168.1.1 1, 224.0.0.0/4 2,
                         0.0.0.0/0 10.0.0.1 1, 10.0.0.0/24 2, 10.0.0.128/25 10.0.0.200 1, 127.0.0.0/8 2);
rt[0] -> rt0 :: Counter -> Discard;
rt[1] -> rt1 :: Counter -> aq :: ARPQuerier(10.0.0.254, 2:0:0:0:0:fe) -> Discard;
rt[2] -> rt2 :: Counter -> Discard;
aq[1] -> ToDump(@OUT@/next-hops.pcap);
Idle -> [1]aq;
