// Tunnel entry: everything is sent inside IP to the tunnel's exit, whose
// address ?T2 is left open (a parameter of the verification).
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader
   -> IPEncap(4, 1.1.1.1, ?T2) -> EtherEncap(0x0800, 0:0:0:0:0:1, 0:0:0:0:0:2)
   -> out :: ToDevice(eth1);
