// cross-checked: click
// Tee copies every IP packet three ways: unchanged; without its link
// header (Strip); and with the link header stripped and put back (Unstrip).
FromDump(@IN@/mixed.pcap, FORCE_IP true, STOP true) -> t :: Tee(3);
t[0] -> copy :: ToDump(@OUT@/copy.pcap);
t[1] -> Strip(14) -> stripped :: ToDump(@OUT@/stripped.pcap);
t[2] -> Strip(14) -> Unstrip(14) -> restored :: ToDump(@OUT@/restored.pcap);
