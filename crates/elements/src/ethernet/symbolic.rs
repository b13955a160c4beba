//! Symbolic models of the Ethernet elements: `EtherEncap`, `EtherMirror`.

use verify::{
    Cx, Expr, Field, Flow, Header, HeaderKind, Model, ModelArgs, ModelError, ModelRegistry,
};

pub fn register(r: &mut ModelRegistry) {
    r.add("EtherEncap", ether_encap);
    r.add("EtherMirror", ether_mirror);
    r.add("EtherRewrite", ether_rewrite);
}

/// Puts an Ethernet header in front of the data (over a stripped one).
struct EtherEncapModel {
    ethertype: u64,
    src: u64,
    dst: u64,
}

impl Model for EtherEncapModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut h = Header::zeroed(HeaderKind::Ether);
        h.set(Field::EthType, Expr::constant(self.ethertype, 16));
        h.set(Field::EthSrc, Expr::constant(self.src, 48));
        h.set(Field::EthDst, Expr::constant(self.dst, 48));
        if flow.head > 0 && flow.headers[flow.head - 1].kind == HeaderKind::Ether {
            flow.head -= 1;
            flow.headers[flow.head] = h;
        } else {
            let at = flow.head;
            flow.headers.insert(at, h);
            if let Some(n) = flow.net.as_mut()
                && *n >= at
            {
                *n += 1;
            }
        }
        cx.emit(port, flow);
    }
}

pub(crate) fn mac(text: &str) -> Result<u64, ModelError> {
    let a = clickconf::args::EtherAddress::parse_literal(text.trim())
        .map_err(|e| format!("'{text}': {e}"))?;
    Ok(a.0.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn ether_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let [t, s, d] = a.as_slice() else {
        return Err("expected EtherEncap(ETHERTYPE, SRC, DST)".into());
    };
    let t = t.trim();
    let ethertype = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    }
    .map_err(|_| format!("bad ETHERTYPE '{t}'"))?;
    Ok(Box::new(EtherEncapModel {
        ethertype,
        src: mac(s)?,
        dst: mac(d)?,
    }))
}

struct EtherMirrorModel;

impl Model for EtherMirrorModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        match flow.expect(flow.head, HeaderKind::Ether) {
            Ok(i) => {
                let s = flow.field(i, Field::EthSrc).clone();
                let d = flow.field(i, Field::EthDst).clone();
                flow.set_field(i, Field::EthSrc, d);
                flow.set_field(i, Field::EthDst, s);
                cx.emit(port, flow);
            }
            Err(v) => cx.memory(flow, &v),
        }
    }
}

fn ether_mirror(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(EtherMirrorModel))
}

/// Sets both Ethernet addresses of the header at the data pointer.
struct EtherRewriteModel {
    src: u64,
    dst: u64,
}

impl Model for EtherRewriteModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        match flow.expect(flow.head, HeaderKind::Ether) {
            Ok(i) => {
                flow.set_field(i, Field::EthSrc, Expr::constant(self.src, 48));
                flow.set_field(i, Field::EthDst, Expr::constant(self.dst, 48));
                cx.emit(port, flow);
            }
            Err(v) => cx.memory(flow, &v),
        }
    }
}

fn ether_rewrite(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let [s, d] = a.as_slice() else {
        return Err("expected EtherRewrite(SRC, DST)".into());
    };
    Ok(Box::new(EtherRewriteModel {
        src: mac(s)?,
        dst: mac(d)?,
    }))
}
