// cross-checked: click
// IPPrint's lines for the IPv4 frames of mixed.pcap that CheckIPHeader
// passes (TCP, UDP, ICMP echo and port unreachable, fragments, GRE, IP
// options), with the optional fields, and a hex dump of payloads.
FromDump(@IN@/mixed.pcap, STOP true) -> c :: Classifier(12/0800, -);
c[1] -> Discard;
c[0] -> CheckIPHeader(14, CHECKSUM false) -> t :: Tee(2);
t[0] -> IPPrint(mixed, OUTFILE @OUT@/lines.txt) -> Discard;
t[1] -> IPPrint(ID true, TTL true, TOS true, LENGTH true, TIMESTAMP false, PAYLOAD HEX, MAXLENGTH 16, OUTFILE @OUT@/details.txt) -> Discard;
