// A push-notification proxy: answers the connections mobiles open to it
// (`mirror`), and relays what outside servers send it (`req`) down those
// connections.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> mirror :: IPMirror
   -> Unstrip(14) -> EtherMirror -> out :: ToDevice(eth0);
req :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> Discard;
