// A firewall that randomises initial sequence numbers: connections
// leaving the inside get a random offset on their sequence numbers, and
// answers get it taken off their acknowledgments and SACK blocks.
isn :: TCPSeqRewriter;
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]isn;
back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]isn;
isn[0] -> Unstrip(14) -> out :: ToDevice(eth1);
isn[1] -> Unstrip(14) -> inside :: ToDevice(eth0);
