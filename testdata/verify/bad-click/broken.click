// broken
in :: FromDevice(eth0) -> Nonsense -> ;
