// A host: what it sends leaves by `out`, what it receives arrives at `in`.
Idle -> out :: ToDevice(eth0);
in :: FromDevice(eth0) -> Discard;
