// A tunnel exit that strips one IP header too many.
in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> StripIPHeader
   -> CheckIPHeader -> StripIPHeader -> Unstrip(14) -> out :: ToDevice(eth1);
