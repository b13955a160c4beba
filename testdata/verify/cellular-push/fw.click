// A stateful firewall: connections may be opened from inside only.
// Click's idiom: a rewriter that keeps addresses (`keep`) records the flow
// going out, and its return input drops whatever matches no recorded flow.
rw :: IPRewriter(keep 0 1, drop);
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]rw;
rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);
rw[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
