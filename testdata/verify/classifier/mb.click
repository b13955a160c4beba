// Only web traffic passes.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader
   -> c :: IPClassifier(dst tcp port 80, -);
c[0] -> Unstrip(14) -> out :: ToDevice(eth1);
c[1] -> Discard;
