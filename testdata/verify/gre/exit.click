// GRE tunnel exit accepting key 42 only.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> StripIPHeader
   -> d :: GREDecap(KEY 42) -> CheckIPHeader -> EtherEncap(0x0800, 0:0:0:0:0:2, 0:0:0:0:0:3)
   -> out :: ToDevice(eth1);
d[1] -> bad :: Discard;
