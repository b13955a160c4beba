// Basic NAT: the inside address becomes 192.0.2.1, ports stay.
rw :: IPAddrRewriter(pattern 192.0.2.1 - 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
