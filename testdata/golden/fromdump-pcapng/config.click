// cross-checked: no (Click's FromDump reads classic pcap only; the expected
// file is Click's output for the same packets from mixed.pcap, the
// fromdump-todump-pcap case)
// FromDump reads pcapng: skips the name resolution, unknown and statistics
// blocks, reads packets of two interfaces with microsecond and nanosecond
// resolutions.
fd :: FromDump(@IN@/mixed.pcapng, STOP true)
  -> c :: Counter
  -> td :: ToDump(@OUT@/out.pcap);
