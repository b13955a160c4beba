// The operator's firewall forbids Google's public resolver.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader
   -> IPFilter(deny dst 8.8.8.8, allow all) -> Unstrip(14) -> out :: ToDevice(eth1);
