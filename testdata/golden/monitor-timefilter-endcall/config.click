// cross-checked: click
// TimeFilter's END_CALL on mixed.pcap (packets 1 ms apart): a window that
// each packet past its end extends by 7 ms, and one that calls nothing
// useful (a write to a Counter) once; start, end and interval handlers.
FromDump(@IN@/mixed.pcap, STOP true) -> t :: Tee(2);
t[0] -> tf :: TimeFilter(START_AFTER 0.003, INTERVAL 0.010, END_CALL tf.extend_interval 0.007)
  -> a :: Counter -> ToDump(@OUT@/extended.pcap);
tf[1] -> b :: Counter -> Discard;
t[1] -> tg :: TimeFilter(1700000000.020, END 1700000000.025, END_CALL tg.extend_interval 0.002)
  -> c :: Counter -> Discard;
tg[1] -> d :: Counter -> Discard;
