// GRE tunnel entry with key 42.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> GREEncap(0x0800, KEY 42)
   -> IPEncap(gre, 192.0.2.1, 198.51.100.7) -> EtherEncap(0x0800, 0:0:0:0:0:1, 0:0:0:0:0:2)
   -> out :: ToDevice(eth1);
