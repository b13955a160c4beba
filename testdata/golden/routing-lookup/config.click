// cross-checked: click
// The route-lookup classes on the IPv4 packets of routing-icmp.pcap, with
// the same routes (gateways, a /25 inside a /24, a host route, a
// multicast block, a default route, and a duplicate prefix whose first
// route is kept): RadixIPLookup, DirectIPLookup and LinearIPLookup on
// GetIPAddress's annotation, StaticIPLookup on SetIPAddress's. Packets
// leaving output 1 go to an ARPQuerier whose requests name the next hop
// each lookup chose (the gateway when the route has one). The `table`
// handlers list the routes in each class's own order.
// Click ran the same text without BURST (one packet per run is its way);
// ours takes BURST 1 so that requests are made in the same order.
FromDump(@IN@/routing-icmp.pcap, STOP true, BURST 1) -> Strip(14) -> MarkIPHeader -> t :: Tee(4);
t[0] -> GetIPAddress(16)
  -> rad :: RadixIPLookup(10.0.0.0/24 0, 192.168.1.0/24 1, 192.168.1.10/32 192.168.1.1 1, 224.0.0.0/4 2,
                          0.0.0.0/0 10.0.0.1 1, 10.0.0.0/24 2, 10.0.0.128/25 10.0.0.200 1, 127.0.0.0/8 2);
t[1] -> GetIPAddress(16)
  -> dir :: DirectIPLookup(10.0.0.0/24 0, 192.168.1.0/24 1, 192.168.1.10/32 192.168.1.1 1, 224.0.0.0/4 2,
                           0.0.0.0/0 10.0.0.1 1, 10.0.0.0/24 2, 10.0.0.128/25 10.0.0.200 1, 127.0.0.0/8 2);
t[2] -> GetIPAddress(16)
  -> lin :: LinearIPLookup(10.0.0.0/24 0, 192.168.1.0/24 1, 192.168.1.10/32 192.168.1.1 1, 224.0.0.0/4 2,
                           0.0.0.0/0 10.0.0.1 1, 10.0.0.0/24 2, 10.0.0.128/25 10.0.0.200 1, 127.0.0.0/8 2);
t[3] -> sip :: SetIPAddress(10.0.0.130)
  -> sta :: StaticIPLookup(10.0.0.0/24 0, 10.0.0.128/25 10.0.0.200 1, 0/0 2);
rad[0] -> rad0 :: Counter -> Discard;
rad[1] -> rad1 :: Counter -> aq_rad :: ARPQuerier(10.0.0.254, 2:0:0:0:0:fe) -> Discard;
rad[2] -> rad2 :: Counter -> Discard;
aq_rad[1] -> ToDump(@OUT@/next-hops-radix.pcap);
Idle -> [1]aq_rad;
dir[0] -> dir0 :: Counter -> Discard;
dir[1] -> dir1 :: Counter -> aq_dir :: ARPQuerier(10.0.0.254, 2:0:0:0:0:fe) -> Discard;
dir[2] -> dir2 :: Counter -> Discard;
aq_dir[1] -> ToDump(@OUT@/next-hops-direct.pcap);
Idle -> [1]aq_dir;
lin[0] -> lin0 :: Counter -> Discard;
lin[1] -> lin1 :: Counter -> aq_lin :: ARPQuerier(10.0.0.254, 2:0:0:0:0:fe) -> Discard;
lin[2] -> lin2 :: Counter -> Discard;
aq_lin[1] -> ToDump(@OUT@/next-hops-linear.pcap);
Idle -> [1]aq_lin;
sta[0] -> sta0 :: Counter -> Discard;
sta[1] -> sta1 :: Counter -> aq_sta :: ARPQuerier(10.0.0.254, 2:0:0:0:0:fe) -> Discard;
sta[2] -> sta2 :: Counter -> Discard;
aq_sta[1] -> ToDump(@OUT@/next-hops-static.pcap);
Idle -> [1]aq_sta;
