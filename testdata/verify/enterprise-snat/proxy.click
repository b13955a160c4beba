// The proxy at 10.0.0.5 rewriting source and destination: the server
// answers the proxy, which sends the answer back to the client.
rw :: IPRewriter(pattern 10.0.0.5 1024-65535 10.0.0.9 - 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
