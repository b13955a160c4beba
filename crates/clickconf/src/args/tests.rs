use super::*;

fn texts(config: &str) -> Vec<String> {
    split_args(config).into_iter().map(|a| a.text).collect()
}

#[test]
fn split_args_basics() {
    assert!(split_args("").is_empty());
    assert!(split_args("   ").is_empty());
    assert_eq!(texts("a, b, c"), ["a", "b", "c"]);
    // A trailing empty argument is dropped; inner empty ones are kept.
    assert_eq!(texts("a,"), ["a"]);
    assert_eq!(texts("a,,b"), ["a", "", "b"]);
    assert_eq!(texts(","), [""]);
    assert_eq!(texts(" , "), [""]);
}

#[test]
fn split_args_quotes_escapes_and_blocks() {
    assert_eq!(texts("\"x, y\", 'a,b', c"), ["\"x, y\"", "'a,b'", "c"]);
    assert_eq!(texts(r#""a\"b, c", d"#), [r#""a\"b, c""#, "d"]);
    assert_eq!(texts(r"\<00 2c 11>, x"), [r"\<00 2c 11>", "x"]);
    // Backslash outside quotes escapes nothing but '\<'.
    assert_eq!(texts(r"a\, b"), [r"a\", "b"]);
    // Unterminated quotes run to the end.
    assert_eq!(texts("\"a, b"), ["\"a, b"]);
}

#[test]
fn split_args_comments() {
    assert_eq!(texts("a /* , */ b, c // d, e\n, f"), ["a b", "c", "f"]);
    assert_eq!(texts("\"x, y\" // ?"), ["\"x, y\""]);
    assert_eq!(texts("/* only */"), Vec::<String>::new());
    assert_eq!(texts("a /* unterminated , b"), ["a"]);
    // Space is kept inside an argument unless next to a comment.
    assert_eq!(texts("  a   b  "), ["a   b"]);
}

#[test]
fn split_args_parentheses_do_not_nest_as_in_click() {
    // Click's cp_argvec splits at every unquoted comma.
    assert_eq!(texts("f(a, b), c"), ["f(a", "b)", "c"]);
}

#[test]
fn split_args_offsets() {
    let cfg = "  a ,  \"b c\"  , /* x */ d e ";
    let args = split_args(cfg);
    let ranges: Vec<&str> = args
        .iter()
        .map(|a| &cfg[a.offset..a.offset + a.len])
        .collect();
    assert_eq!(ranges, ["a", "\"b c\"", "d e"]);
    let cfg = "x, , y";
    let args = split_args(cfg);
    assert_eq!((args[1].offset, args[1].len), (3, 0));
    // With a comment inside, the range covers the whole argument.
    let cfg = "a /* c */ b";
    let args = split_args(cfg);
    assert_eq!(
        (args[0].text.as_str(), args[0].offset, args[0].len),
        ("a b", 0, 11)
    );
}

#[test]
fn split_words_respects_quotes() {
    assert_eq!(split_words("a  b\tc"), ["a", "b", "c"]);
    assert_eq!(split_words("'a b' \"c d\"e f"), ["'a b'", "\"c d\"e", "f"]);
    assert_eq!(split_words(r"\<01 02> x"), [r"\<01 02>", "x"]);
    assert_eq!(split_words("a/*x*/b // c"), ["a", "b"]);
    assert!(split_words("  ").is_empty());
}

#[test]
fn unquote_forms() {
    assert_eq!(unquote("abc").unwrap(), b"abc");
    assert_eq!(
        unquote("\"a\\n\\t\\\\\\\"\\$\\,\"").unwrap(),
        b"a\n\t\\\"$,"
    );
    assert_eq!(unquote("'a\\nb'").unwrap(), b"a\\nb");
    assert_eq!(unquote("\\<48 65 6c6C 6f /* c */ 21>").unwrap(), b"Hello!");
    assert_eq!(unquote("\"\\<41 42>\"").unwrap(), b"AB");
    assert_eq!(unquote("\"\\101\\x41\\0\"").unwrap(), b"AA\0");
    assert_eq!(unquote("a\\nb").unwrap(), b"a\\nb");
    assert_eq!(unquote("x\"y z\"'w'").unwrap(), b"xy zw");
    assert_eq!(unquote("\"\\\nab\"").unwrap(), b"ab");
    assert_eq!(unquote("\"\\xff\"").unwrap(), [0xff]);
    assert_eq!(unquote("").unwrap(), b"");
    assert_eq!(unquote("a /* c */ b").unwrap(), b"a b");
}

#[test]
fn unquote_errors() {
    assert_eq!(
        unquote("\"abc").unwrap_err().message,
        "unterminated double quote"
    );
    assert_eq!(
        unquote("'abc").unwrap_err().message,
        "unterminated single quote"
    );
    assert_eq!(
        unquote("\\<123>").unwrap_err().message,
        "odd number of hex digits in '\\<...>' block"
    );
    assert_eq!(
        unquote("\\<12 zz>").unwrap_err().message,
        "expected hex digits or spaces in '\\<...>' block"
    );
    assert_eq!(
        unquote("\\<12").unwrap_err().message,
        "unterminated '\\<' block, expected '>'"
    );
}

#[test]
fn quote_round_trips() {
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(unquote(&quote(&all)).unwrap(), all);
    assert_eq!(quote(b"a\"$\n"), "\"a\\\"\\$\\n\"");
}

#[test]
fn bools() {
    for t in ["true", "yes", "1", "t", "y"] {
        assert_eq!(bool::parse_arg(t), Ok(true), "{t}");
    }
    for f in ["false", "no", "0", "f", "n"] {
        assert_eq!(bool::parse_arg(f), Ok(false), "{f}");
    }
    assert_eq!(
        bool::parse_arg("maybe").unwrap_err().message,
        "expected boolean (true/false, yes/no, 1/0)"
    );
    assert!(bool::parse_arg("TRUE").is_err());
}

#[test]
fn integers() {
    assert_eq!(u32::parse_arg("10"), Ok(10));
    assert_eq!(u32::parse_arg("0x1F"), Ok(31));
    assert_eq!(u32::parse_arg("0X1f"), Ok(31));
    assert_eq!(u32::parse_arg("010"), Ok(8));
    assert_eq!(u32::parse_arg("0b101"), Ok(5));
    assert_eq!(u32::parse_arg("+7"), Ok(7));
    assert_eq!(u32::parse_arg("1_000"), Ok(1000));
    assert_eq!(u32::parse_arg("0"), Ok(0));
    assert_eq!(i32::parse_arg("-12"), Ok(-12));
    assert_eq!(i64::parse_arg("-0x10"), Ok(-16));
    assert_eq!(i32::parse_arg("-2147483648"), Ok(i32::MIN));
    assert_eq!(u8::parse_arg("255"), Ok(255));
    assert_eq!(u16::parse_arg("65535"), Ok(65535));
    assert_eq!(u64::parse_arg("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(usize::parse_arg("12"), Ok(12));
    // As in Click, "08" is a bad octal number.
    assert_eq!(
        u32::parse_arg("08").unwrap_err().message,
        "expected unsigned integer"
    );
    for bad in ["", "x", "1x", "-1", "1_", "_1", "0x", "1 2", " 1"] {
        assert!(u32::parse_arg(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        i32::parse_arg("abc").unwrap_err().message,
        "expected integer"
    );
    assert_eq!(
        u8::parse_arg("256").unwrap_err().message,
        "out of range, bound 255"
    );
    assert_eq!(
        i32::parse_arg("-2147483649").unwrap_err().message,
        "out of range, bound -2147483648"
    );
    assert_eq!(
        u64::parse_arg("99999999999999999999999999999999999999999999")
            .unwrap_err()
            .message,
        "out of range, bound 18446744073709551615"
    );
}

#[test]
fn reals_and_strings() {
    assert_eq!(f64::parse_arg("0.5"), Ok(0.5));
    assert_eq!(f64::parse_arg("1e3"), Ok(1000.0));
    assert_eq!(
        f64::parse_arg("x").unwrap_err().message,
        "expected real number"
    );
    assert_eq!(String::parse_arg("\"a b\"").unwrap(), "a b");
    assert_eq!(String::parse_arg("plain text").unwrap(), "plain text");
    assert_eq!(
        String::parse_arg("\\<ff>").unwrap_err().message,
        "expected UTF-8 text"
    );
    assert_eq!(Bytes::parse_arg("\\<ff 00>").unwrap(), Bytes(vec![0xff, 0]));
}

#[test]
fn addresses() {
    assert_eq!(
        Ipv4Addr::parse_arg("10.0.0.1"),
        Ok(Ipv4Addr::new(10, 0, 0, 1))
    );
    assert_eq!(
        Ipv4Addr::parse_arg("010.0.0.1"),
        Ok(Ipv4Addr::new(10, 0, 0, 1))
    );
    for bad in ["10.0.0", "10.0.0.256", "1.2.3.4.5", "a.b.c.d", "", "1..2.3"] {
        assert_eq!(
            Ipv4Addr::parse_arg(bad).unwrap_err().message,
            "expected IP address",
            "{bad}"
        );
    }
    assert_eq!(Ipv6Addr::parse_arg("::1"), Ok(Ipv6Addr::LOCALHOST));
    assert_eq!(
        Ipv6Addr::parse_arg("1.2").unwrap_err().message,
        "expected IPv6 address"
    );
    let e = EtherAddress([0, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert_eq!(EtherAddress::parse_arg("00:11:22:33:44:55"), Ok(e));
    assert_eq!(EtherAddress::parse_arg("00-11-22-33-44-55"), Ok(e));
    assert_eq!(EtherAddress::parse_arg("0:11:22:33:44:55"), Ok(e));
    assert_eq!(e.to_string(), "00:11:22:33:44:55");
    for bad in [
        "00:11:22:33:44",
        "00:11:22:33:44:55:66",
        "00:11-22:33:44:55",
        "000:11:22:33:44:55",
        "zz:11:22:33:44:55",
        "+0:11:22:33:44:55",
    ] {
        assert_eq!(
            EtherAddress::parse_arg(bad).unwrap_err().message,
            "expected Ethernet address",
            "{bad}"
        );
    }
}

#[test]
fn prefixes() {
    let p = |a: [u8; 4], len| IpPrefix {
        addr: Ipv4Addr::from(a),
        len,
    };
    assert_eq!(IpPrefix::parse_arg("10.0.0.0/8"), Ok(p([10, 0, 0, 0], 8)));
    assert_eq!(
        IpPrefix::parse_arg("10.0.0.0/255.0.0.0"),
        Ok(p([10, 0, 0, 0], 8))
    );
    assert_eq!(IpPrefix::parse_arg("10/8"), Ok(p([10, 0, 0, 0], 8)));
    assert_eq!(IpPrefix::parse_arg("1.2.3.4"), Ok(p([1, 2, 3, 4], 32)));
    assert_eq!(IpPrefix::parse_arg("0.0.0.0/0"), Ok(p([0, 0, 0, 0], 0)));
    assert_eq!(p([10, 0, 0, 0], 8).mask(), Ipv4Addr::new(255, 0, 0, 0));
    assert_eq!(p([10, 0, 0, 0], 0).mask(), Ipv4Addr::new(0, 0, 0, 0));
    assert_eq!(p([10, 0, 0, 0], 8).to_string(), "10.0.0.0/8");
    assert_eq!(
        IpPrefix::parse_arg("10.0.0.0/33").unwrap_err().message,
        "expected IP prefix"
    );
    assert_eq!(
        IpPrefix::parse_arg("10.0.0.0/").unwrap_err().message,
        "expected IP prefix"
    );
    assert_eq!(
        IpPrefix::parse_arg("10.0.0.0/255.0.255.0")
            .unwrap_err()
            .message,
        "expected IP prefix (netmask is not contiguous)"
    );
}

#[test]
fn seconds() {
    let s = |t: &str| Seconds::parse_arg(t).map(|s| s.0);
    assert_eq!(s("1"), Ok(Duration::from_secs(1)));
    assert_eq!(s("0.5"), Ok(Duration::from_millis(500)));
    assert_eq!(s(".25"), Ok(Duration::from_millis(250)));
    assert_eq!(s("10ms"), Ok(Duration::from_millis(10)));
    assert_eq!(s("10msec"), Ok(Duration::from_millis(10)));
    assert_eq!(s("5us"), Ok(Duration::from_micros(5)));
    assert_eq!(s("7ns"), Ok(Duration::from_nanos(7)));
    assert_eq!(s("2s"), Ok(Duration::from_secs(2)));
    assert_eq!(s("2 sec"), Ok(Duration::from_secs(2)));
    assert_eq!(s("1min"), Ok(Duration::from_secs(60)));
    assert_eq!(s("1m"), Ok(Duration::from_secs(60)));
    assert_eq!(s("1.5h"), Ok(Duration::from_secs(5400)));
    assert_eq!(s("1hr"), Ok(Duration::from_secs(3600)));
    assert_eq!(s("1d"), Ok(Duration::from_secs(86400)));
    assert_eq!(s("2day"), Ok(Duration::from_secs(172800)));
    assert_eq!(s("1e-3"), Ok(Duration::from_millis(1)));
    assert_eq!(s("x").unwrap_err().message, "expected time in seconds");
    assert_eq!(s("-1").unwrap_err().message, "expected time in seconds");
    assert_eq!(
        s("1 parsec").unwrap_err().message,
        "expected time in seconds"
    );
    assert_eq!(s("1e40").unwrap_err().message, "out of range");
}

#[test]
fn bandwidths() {
    let b = |t: &str| Bandwidth::parse_arg(t).map(|b| b.0);
    assert_eq!(b("10Mbps"), Ok(1_250_000));
    assert_eq!(b("1MBps"), Ok(1_000_000));
    assert_eq!(b("100kbps"), Ok(12_500));
    assert_eq!(b("100Kbps"), Ok(12_500));
    assert_eq!(b("1Gbps"), Ok(125_000_000));
    assert_eq!(b("8bps"), Ok(1));
    assert_eq!(b("1000"), Ok(1000));
    assert_eq!(b("1.5MB/s"), Ok(1_500_000));
    assert_eq!(b("9600baud"), Ok(1200));
    assert_eq!(b("fast").unwrap_err().message, "expected bandwidth");
    assert_eq!(b("1e30Bps").unwrap_err().message, "out of range");
}

#[test]
fn args_positional_and_keyword() {
    let mut a = Args::new("1000, ACTIVE false, BURST 8");
    assert_eq!(a.read_mp::<usize>("CAPACITY"), Ok(1000));
    assert_eq!(a.read::<bool>("ACTIVE"), Ok(Some(false)));
    assert_eq!(a.read_p::<u32>("BURST"), Ok(Some(8)));
    assert_eq!(a.read::<u32>("LIMIT"), Ok(None));
    assert_eq!(a.complete(), Ok(()));
}

#[test]
fn args_mandatory_positional_as_keyword() {
    let mut a = Args::new("CAPACITY 5");
    assert_eq!(a.read_mp::<usize>("CAPACITY"), Ok(5));
    assert!(a.complete().is_ok());
    // A mandatory positional takes an argument that merely looks like a
    // keyword when the keyword itself is absent.
    let mut a = Args::new("hello world");
    assert_eq!(a.read_mp::<String>("LABEL").unwrap(), "hello world");
    assert!(a.complete().is_ok());
    // An optional positional does not.
    let mut a = Args::new("hello world");
    assert_eq!(a.read_p::<String>("LABEL"), Ok(None));
    assert_eq!(a.complete().unwrap_err().message, "hello: unknown argument");
}

#[test]
fn args_last_keyword_wins() {
    let mut a = Args::new("N 1, N 2");
    assert_eq!(a.read::<u32>("N"), Ok(Some(2)));
    assert!(a.complete().is_ok());
    let mut a = Args::new("N 1, N 2, M 3, N 4");
    assert_eq!(a.read_all::<u32>("N"), Ok(vec![1, 2, 4]));
    assert_eq!(a.read_m::<u32>("M"), Ok(3));
    assert!(a.complete().is_ok());
}

#[test]
fn args_positional_stops_at_keyword_argument() {
    // Once an argument is taken by keyword, later ones are not positional.
    let mut a = Args::new("B 2, 7");
    assert_eq!(a.read_p::<u32>("B"), Ok(Some(2)));
    assert_eq!(a.read_p::<u32>("C"), Ok(None));
    let e = a.complete().unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset, e.len),
        ("too many arguments", 5, 1)
    );
}

#[test]
fn args_errors_locate_the_value() {
    let cfg = "10, ACTIVE maybe";
    let mut a = Args::new(cfg);
    assert_eq!(a.read_mp::<u32>("N"), Ok(10));
    let e = a.read::<bool>("ACTIVE").unwrap_err();
    assert_eq!(
        e.message,
        "ACTIVE: expected boolean (true/false, yes/no, 1/0)"
    );
    assert_eq!(&cfg[e.offset..e.offset + e.len], "maybe");
    // Nothing was consumed by the failed read.
    assert_eq!(a.remaining(), 1);
    let mut a = Args::new("x");
    let e = a.read_mp::<u32>("N").unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset, e.len),
        ("N: expected unsigned integer", 0, 1)
    );
    let mut a = Args::new("");
    let e = a.read_mp::<u32>("N").unwrap_err();
    assert_eq!(e.message, "N: required argument missing");
    let mut a = Args::new("1");
    let e = a.read_m::<u32>("KEY").unwrap_err();
    assert_eq!(e.message, "KEY: required argument missing");
}

#[test]
fn args_complete_reports_unknown_keywords_first() {
    let mut a = Args::new("1, 2, FOO bar");
    assert_eq!(a.read_mp::<u32>("A"), Ok(1));
    let e = a.complete().unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset, e.len),
        ("FOO: unknown argument", 6, 7)
    );
    let mut a = Args::new("1, 2");
    assert_eq!(a.read_mp::<u32>("A"), Ok(1));
    let e = a.complete().unwrap_err();
    assert_eq!((e.message.as_str(), e.offset), ("too many arguments", 3));
}

#[test]
fn args_keyword_rules() {
    // Keywords need a following value; digits cannot start them.
    let mut a = Args::new("ACTIVE, 12 x");
    assert_eq!(a.read::<bool>("ACTIVE"), Ok(None));
    assert_eq!(a.rest().len(), 2);
    // Lower-case words count as keywords too (as in Click).
    let mut a = Args::new("1, verbose true");
    assert_eq!(a.read_mp::<u32>("N"), Ok(1));
    assert_eq!(a.read::<bool>("verbose"), Ok(Some(true)));
    assert!(a.complete().is_ok());
    // Keyword characters include . : ? !
    let mut a = Args::new("A.B? 1");
    assert_eq!(a.read::<u32>("A.B?"), Ok(Some(1)));
}

#[test]
fn args_rest_and_custom_parsers() {
    let mut a = Args::new("allow src host 1.2.3.4, 12/0800, MAPPING_CAPACITY 5, deny all");
    assert_eq!(a.read::<u32>("MAPPING_CAPACITY"), Ok(Some(5)));
    let rest: Vec<String> = a.rest().into_iter().map(|x| x.text).collect();
    assert_eq!(rest, ["allow src host 1.2.3.4", "12/0800", "deny all"]);
    assert!(a.complete().is_ok());
    let mut a = Args::new("3, MODE fast");
    let mode = a.read_with("MODE", |t| match t {
        "fast" | "slow" => Ok(t.to_string()),
        _ => Err(ValueError::new("expected 'fast' or 'slow'")),
    });
    assert_eq!(mode, Ok(Some("fast".into())));
    let n = a.read_p_with("N", |t| u8::parse_arg(t).map(|v| v * 2));
    assert_eq!(n, Ok(Some(6)));
    let mut a = Args::new("MODE medium");
    let e = a
        .read_with("MODE", |_| -> Result<(), _> {
            Err(ValueError::new("expected 'fast' or 'slow'"))
        })
        .unwrap_err();
    assert_eq!(e.message, "MODE: expected 'fast' or 'slow'");
    assert_eq!((e.offset, e.len), (5, 6));
}

#[test]
fn args_typed_values_through_args() {
    let mut a = Args::new("10.0.0.1, 00:11:22:33:44:55, 10ms, 1Gbps, \"a b\", 10.0.0.0/8");
    assert_eq!(
        a.read_mp::<Ipv4Addr>("ADDR"),
        Ok(Ipv4Addr::new(10, 0, 0, 1))
    );
    assert_eq!(a.read_mp::<EtherAddress>("ETH").unwrap().0[5], 0x55);
    assert_eq!(
        a.read_mp::<Seconds>("T").unwrap().0,
        Duration::from_millis(10)
    );
    assert_eq!(a.read_mp::<Bandwidth>("B").unwrap().0, 125_000_000);
    assert_eq!(a.read_mp::<String>("S").unwrap(), "a b");
    assert_eq!(a.read_mp::<IpPrefix>("P").unwrap().len, 8);
    assert!(a.complete().is_ok());
}
