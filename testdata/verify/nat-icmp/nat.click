// A NAT that also translates the ICMP errors about its flows (RFC 5508).
rw :: IPRewriter(pattern 192.0.2.1 1024-65535 - - 0 1, drop);
errs :: ICMPRewriter(rw);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader
   -> c :: IPClassifier(icmp type unreachable or icmp type timeexceeded, -);
c[0] -> errs;
c[1] -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
errs -> Unstrip(14) -> inside;
