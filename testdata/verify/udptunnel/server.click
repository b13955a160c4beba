in :: FromDevice(eth0) -> Discard;
