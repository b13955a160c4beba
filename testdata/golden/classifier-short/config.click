// cross-checked: click
// Clauses that reach past the end of short packets: a clause whose bytes
// are not all there does not match, and its negation does. The first
// Classifier sees whole frames (a 10-byte runt and an IPv4 frame cut after
// 12 bytes of header among them); the second sees every frame with its
// first 30 bytes stripped, so most of its clauses fall off the end.
// Wildcard (?) and zero-mask bytes are never needed. Neither Classifier
// has a catch-all pattern: what matches nothing is dropped.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> a :: Classifier(12/0800 14/45 !23/11 !23/06,
                        !12/0800 !12/0806 !12/86dd,
                        12/0800 24/????%0000 !25/00%01,
                        12/08?? 26/0a%ff 30/0a0000%ffff00,
                        12/86dd 54/????????????????????ff);
a[0] -> a0 :: ToDump(@OUT@/a0.pcap);
a[1] -> a1 :: ToDump(@OUT@/a1.pcap);
a[2] -> a2 :: ToDump(@OUT@/a2.pcap);
a[3] -> a3 :: ToDump(@OUT@/a3.pcap);
a[4] -> a4 :: ToDump(@OUT@/a4.pcap);
t[1] -> Strip(30) -> b :: Classifier(29/00, !30/00%01 !30/01%01, 26/????%0000 30/0000%ff00 !32/ff,
                                     2/1234%f00f, !6/0000);
b[0] -> b0 :: ToDump(@OUT@/b0.pcap);
b[1] -> b1 :: ToDump(@OUT@/b1.pcap);
b[2] -> b2 :: ToDump(@OUT@/b2.pcap);
b[3] -> b3 :: ToDump(@OUT@/b3.pcap);
b[4] -> b4 :: ToDump(@OUT@/b4.pcap);
