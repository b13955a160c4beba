// The next router: packets whose TTL runs out get a time-exceeded error.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> dec :: DecIPTTL
   -> Unstrip(14) -> out :: ToDevice(eth1);
dec[1] -> ICMPError(198.51.100.254, timeexceeded)
   -> EtherEncap(0x0800, 0:0:0:0:0:9, 0:0:0:0:0:8) -> back :: ToDevice(eth0);
