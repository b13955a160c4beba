// cross-checked: click
// TimeFilter on mixed.pcap (packets 1 ms apart from 1700000000): an
// absolute window, a window relative to the first packet, and START_AFTER
// with the packets outside on output 1.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(3);
t[0] -> TimeFilter(1700000000.010, 1700000000.020) -> a :: Counter -> ToDump(@OUT@/absolute.pcap);
t[1] -> TimeFilter(START_AFTER 0.005, INTERVAL 0.010) -> b :: Counter -> ToDump(@OUT@/relative.pcap);
t[2] -> tf :: TimeFilter(START_AFTER 0.040) -> c :: Counter -> Discard;
tf[1] -> d :: Counter -> Discard;
