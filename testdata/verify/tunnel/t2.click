// Tunnel exit: the outer header comes off.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> StripIPHeader
   -> CheckIPHeader -> EtherEncap(0x0800, 0:0:0:0:0:2, 0:0:0:0:0:3) -> out :: ToDevice(eth1);
