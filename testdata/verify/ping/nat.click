// Pings leave from 192.0.2.1 with an identifier of the NAT's choosing.
rw :: ICMPPingRewriter(pattern 192.0.2.1 - 0-65535# 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
