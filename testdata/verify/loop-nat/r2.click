// Rewrites destinations to 192.168.0.1 before routing: the rewritten
// packets leave by the second output instead of going back to r1.
rw :: IPRewriter(pattern - - 192.168.0.1 - 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
rw[0] -> GetIPAddress(16) -> rt :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1);
rt[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rt[1] -> Unstrip(14) -> exit :: ToDevice(eth2);
