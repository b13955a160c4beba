// A server that answers whatever it receives.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> mirror :: IPMirror
   -> Unstrip(14) -> EtherMirror -> out :: ToDevice(eth0);
