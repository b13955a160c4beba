// Sends 10.0.0.0/8 back to r1, decrementing the TTL as a router must.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> GetIPAddress(16)
   -> rt :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1);
rt[0] -> dec :: DecIPTTL -> Unstrip(14) -> out :: ToDevice(eth1);
dec[1] -> Discard;
rt[1] -> Discard;
