// A host that answers pings.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> pong :: ICMPPingResponder
   -> Unstrip(14) -> EtherMirror -> out :: ToDevice(eth0);
pong[1] -> Discard;
