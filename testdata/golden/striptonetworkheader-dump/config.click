// cross-checked: click
// StripToNetworkHeader moves the data start to the network header, forward
// (after FromDump's FORCE_IP marks it) or back (after Strip went past it).
FromDump(@IN@/mixed.pcap, FORCE_IP true, STOP true) -> t :: Tee;
t[0] -> StripToNetworkHeader -> fwd :: ToDump(@OUT@/forward.pcap, ENCAP IP);
t[1] -> Strip(30) -> StripToNetworkHeader -> back :: ToDump(@OUT@/back.pcap, ENCAP IP);
