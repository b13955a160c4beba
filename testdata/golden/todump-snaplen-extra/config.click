// cross-checked: click
// ToDump's SNAPLEN, NANO and EXTRA_LENGTH: microsecond timestamps, packets
// cut to 64 bytes (wire lengths kept), and whole packets whose recorded
// wire length ignores the extra length annotation.
fd :: FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee;
t[0] -> snap :: ToDump(@OUT@/snap64.pcap, SNAPLEN 64, NANO false);
t[1] -> noextra :: ToDump(@OUT@/noextra.pcap, SNAPLEN 0, EXTRA_LENGTH false, NANO false);
