// A middlebox that forwards everything unchanged.
in :: FromDevice(eth0) -> Counter -> Queue -> Unqueue -> out :: ToDevice(eth1);
