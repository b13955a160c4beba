// Sends 10.0.0.0/8 back to r1, without touching the TTL.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> GetIPAddress(16)
   -> rt :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1);
rt[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rt[1] -> Discard;
