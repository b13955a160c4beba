// The operator's NAT: mobiles leave from 198.51.100.1 with a port in 1024-65535.
rw :: IPRewriter(pattern 198.51.100.1 1024-65535 - - 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
