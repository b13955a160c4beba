//! From a flattened configuration to a router ready to run: class lookup,
//! port counts, push/pull resolution, Click's connection checks, element
//! construction and initialization.
//!
//! Key decision: every check runs to the end and reports all it finds, each
//! problem located at the declaration or connection it concerns, so `yard
//! check` can show every error in one pass; nothing is built unless all
//! checks pass.

use clickconf::args::Args;
use clickconf::{Diagnostic, GraphElement, RouterGraph, Span};

use crate::element::{BuildContext, ConfigError, Element, InitContext, Output};
use crate::registry::{ClassInfo, Registry};
use crate::spec::Processing;

/// One element's place in the router: who it is and how its ports resolved.
#[derive(Debug, Clone)]
pub struct ElementInfo {
    pub name: String,
    pub class: ClassInfo,
    pub config: String,
    pub span: Span,
    pub config_span: Option<Span>,
    pub inputs: Vec<Processing>,
    pub outputs: Vec<Processing>,
    /// For each output port: the (element, input port) it pushes to, if push.
    pub push_to: Vec<Option<(usize, usize)>>,
    /// For each input port: the (element, output port) it pulls from, if pull.
    pub pull_from: Vec<Option<(usize, usize)>>,
    /// All connections of each input port, as (element, output port).
    pub input_peers: Vec<Vec<(usize, usize)>>,
    /// All connections of each output port, as (element, input port).
    pub output_peers: Vec<Vec<(usize, usize)>>,
}

impl ElementInfo {
    /// Click's way of naming an element in messages: `name :: Class`.
    pub fn label(&self) -> String {
        format!("{} :: {}", self.name, self.class.spec.class)
    }
}

/// An element built and initialized, with its output side.
pub(crate) struct BuiltElement {
    pub element: Box<dyn Element>,
    pub output: Output,
    pub wants_task: bool,
    /// Asked to be the router's driver manager.
    pub manages_stops: bool,
}

/// The result of a successful build.
pub(crate) struct Built {
    pub infos: Vec<ElementInfo>,
    pub elements: Vec<BuiltElement>,
    pub warnings: Vec<Diagnostic>,
}

/// Maps an argument error's byte range in the configuration string to a
/// span in the source, when the configuration text is the source text.
pub(crate) fn arg_span(
    element: &GraphElement,
    sources: &clickconf::SourceMap,
    offset: usize,
    len: usize,
) -> Option<Span> {
    let cs = element.config_span?;
    let text = sources.text(cs.file).get(cs.start..cs.end)?;
    if text == element.config && offset + len <= text.len() {
        Some(Span {
            file: cs.file,
            start: cs.start + offset,
            end: cs.start + offset + len.max(1),
        })
    } else {
        Some(cs)
    }
}

/// Builds one element from its class and arguments.
pub(crate) fn make_element(
    class: &ClassInfo,
    config: &str,
    cx: &BuildContext,
) -> Result<Box<dyn Element>, ConfigError> {
    clickconf::args::with_names(cx.shared.clone(), || {
        let mut args = Args::new(config);
        let element = (class.spec.make)(&mut args, cx)?;
        args.complete()?;
        Ok(element)
    })
}

fn config_error_diag(
    graph: &RouterGraph,
    e: &GraphElement,
    label: &str,
    err: &ConfigError,
) -> Diagnostic {
    match err {
        ConfigError::Arg(a) => Diagnostic::error(
            arg_span(e, &graph.sources, a.offset, a.len).or(Some(e.span)),
            format!("{label}: {}", a.message),
        ),
        ConfigError::Message(m) => {
            Diagnostic::error(e.config_span.or(Some(e.span)), format!("{label}: {m}"))
        }
    }
}

/// Checks and builds a router's elements from a flattened graph.
/// How far [`build`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BuildStage {
    /// Check and construct the elements, but do not initialize them (no
    /// files or devices opened).
    Check,
    /// Everything, ready to run.
    Run,
}

pub(crate) fn build(
    graph: &RouterGraph,
    registry: &Registry,
    clock: &std::sync::Arc<dyn crate::clock::Clock>,
    shared: &std::sync::Arc<crate::shared::Shared>,
    stage: BuildStage,
) -> Result<Built, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let warnings = Vec::new();
    let n = graph.elements.len();

    // Classes.
    let mut classes: Vec<Option<&ClassInfo>> = Vec::with_capacity(n);
    for e in &graph.elements {
        let class = registry.get(&e.class);
        if class.is_none() {
            let mut d =
                Diagnostic::error(Some(e.span), format!("unknown element class '{}'", e.class));
            let near = registry.suggest(&e.class);
            if !near.is_empty() {
                d = d.with_note(format!("did you mean {}?", quote_list(&near)));
            }
            errors.push(d);
        }
        classes.push(class);
    }

    // Connections per port.
    let mut input_peers: Vec<Vec<Vec<(usize, usize)>>> = vec![Vec::new(); n];
    let mut output_peers: Vec<Vec<Vec<(usize, usize)>>> = vec![Vec::new(); n];
    let mut input_conn_span: Vec<Vec<Option<Span>>> = vec![Vec::new(); n];
    let mut output_conn_span: Vec<Vec<Option<Span>>> = vec![Vec::new(); n];
    for c in &graph.connections {
        if c.from >= n || c.to >= n {
            errors.push(Diagnostic::error(
                Some(c.span),
                "connection to an element that does not exist",
            ));
            continue;
        }
        grow(&mut output_peers[c.from], c.from_port + 1);
        grow(&mut output_conn_span[c.from], c.from_port + 1);
        output_peers[c.from][c.from_port].push((c.to, c.to_port));
        output_conn_span[c.from][c.from_port].get_or_insert(c.span);
        grow(&mut input_peers[c.to], c.to_port + 1);
        grow(&mut input_conn_span[c.to], c.to_port + 1);
        input_peers[c.to][c.to_port].push((c.from, c.from_port));
        input_conn_span[c.to][c.to_port].get_or_insert(c.span);
    }

    let label = |i: usize| format!("{} :: {}", graph.elements[i].name, graph.elements[i].class);

    // Port counts.
    let mut ninputs = vec![0usize; n];
    let mut noutputs = vec![0usize; n];
    for i in 0..n {
        let Some(class) = classes[i] else { continue };
        let used_in = input_peers[i].len();
        let used_out = output_peers[i].len();
        let nin = used_in.max(class.inputs.min);
        let nout = if class.outputs.same_as_inputs {
            nin
        } else {
            used_out.max(class.outputs.min)
        };
        if class.inputs.max.is_some_and(|m| used_in > m) {
            let port = used_in - 1;
            errors.push(Diagnostic::error(
                input_conn_span[i][port],
                format!(
                    "'{}' has no input {port} (class {} takes {} input{})",
                    label(i),
                    class.spec.class,
                    class.inputs,
                    plural_s(class.inputs.max)
                ),
            ));
        }
        let out_limit = if class.outputs.same_as_inputs {
            Some(nin)
        } else {
            class.outputs.max
        };
        if out_limit.is_some_and(|m| used_out > m) {
            let port = used_out - 1;
            let allowed = if class.outputs.same_as_inputs {
                format!("as many outputs as inputs ({nin})")
            } else {
                format!("{} output{}", class.outputs, plural_s(class.outputs.max))
            };
            errors.push(Diagnostic::error(
                output_conn_span[i][port],
                format!(
                    "'{}' has no output {port} (class {} takes {allowed})",
                    label(i),
                    class.spec.class
                ),
            ));
        }
        ninputs[i] = nin;
        noutputs[i] = nout;
        grow(&mut input_peers[i], nin);
        grow(&mut output_peers[i], nout);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Processing: fixed ports give their mode; agnostic ports take the mode
    // of whatever they are joined to, through connections and through the
    // element (all agnostic ports of one element share a mode, as with
    // Click's default flow code).
    let mut node_of_input: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut node_of_output: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut nodes = 0usize;
    for i in 0..n {
        node_of_input[i] = (0..ninputs[i]).map(|k| nodes + k).collect();
        nodes += ninputs[i];
        node_of_output[i] = (0..noutputs[i]).map(|k| nodes + k).collect();
        nodes += noutputs[i];
    }
    let mut uf = UnionFind::new(nodes);
    let mut fixed: Vec<Option<Processing>> = vec![None; nodes];
    for i in 0..n {
        let class = classes[i].expect("checked above");
        let mut first_agnostic: Option<usize> = None;
        let ports = (0..ninputs[i])
            .map(|p| (node_of_input[i][p], class.input_processing.port(p)))
            .chain(
                (0..noutputs[i]).map(|p| (node_of_output[i][p], class.output_processing.port(p))),
            );
        for (node, mode) in ports {
            match mode {
                Processing::Agnostic => match first_agnostic {
                    Some(a) => uf.union(a, node),
                    None => first_agnostic = Some(node),
                },
                fixed_mode => fixed[node] = Some(fixed_mode),
            }
        }
    }
    for c in &graph.connections {
        uf.union(
            node_of_output[c.from][c.from_port],
            node_of_input[c.to][c.to_port],
        );
    }
    // Each group's mode: the first fixed mode found; a conflict inside a
    // group is reported at the connection that joins the two modes.
    let mut group_mode: Vec<Option<Processing>> = vec![None; nodes];
    for (node, mode) in fixed.iter().enumerate() {
        if let Some(m) = *mode {
            let root = uf.find(node);
            group_mode[root].get_or_insert(m);
        }
    }
    let mode_of = |uf: &mut UnionFind, node: usize| -> Processing {
        fixed[node]
            .or(group_mode[uf.find(node)])
            .unwrap_or(Processing::Push)
    };
    let mut inputs_mode: Vec<Vec<Processing>> = Vec::with_capacity(n);
    let mut outputs_mode: Vec<Vec<Processing>> = Vec::with_capacity(n);
    for i in 0..n {
        inputs_mode.push(
            (0..ninputs[i])
                .map(|p| mode_of(&mut uf, node_of_input[i][p]))
                .collect(),
        );
        outputs_mode.push(
            (0..noutputs[i])
                .map(|p| mode_of(&mut uf, node_of_output[i][p]))
                .collect(),
        );
    }
    for c in &graph.connections {
        let from_mode = outputs_mode[c.from][c.from_port];
        let to_mode = inputs_mode[c.to][c.to_port];
        if from_mode != to_mode {
            errors.push(Diagnostic::error(
                Some(c.span),
                format!(
                    "'{}' {} output {} connected to '{}' {} input {}",
                    label(c.from),
                    from_mode.name(),
                    c.from_port,
                    label(c.to),
                    to_mode.name(),
                    c.to_port
                ),
            ));
        }
    }

    // Completeness and fan-in/fan-out rules.
    for i in 0..n {
        for p in 0..ninputs[i] {
            let peers = &input_peers[i][p];
            let mode = inputs_mode[i][p];
            if peers.is_empty() {
                errors.push(Diagnostic::error(
                    Some(graph.elements[i].span),
                    format!("'{}' {} input {p} not connected", label(i), mode.name()),
                ));
            } else if mode == Processing::Pull && peers.len() > 1 {
                errors.push(Diagnostic::error(
                    input_conn_span[i].get(p).copied().flatten(),
                    format!("'{}' pull input {p} connected more than once", label(i)),
                ));
            }
        }
        for p in 0..noutputs[i] {
            let peers = &output_peers[i][p];
            let mode = outputs_mode[i][p];
            if peers.is_empty() {
                errors.push(Diagnostic::error(
                    Some(graph.elements[i].span),
                    format!("'{}' {} output {p} not connected", label(i), mode.name()),
                ));
            } else if mode == Processing::Push && peers.len() > 1 {
                errors.push(Diagnostic::error(
                    output_conn_span[i].get(p).copied().flatten(),
                    format!("'{}' push output {p} connected more than once", label(i)),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Construction: every element is built before any is kept, so a bad
    // argument anywhere leaves nothing half-made. Infos are made in
    // configuration order; elements are built phase by phase.
    let mut infos = Vec::with_capacity(n);
    for i in 0..n {
        let e = &graph.elements[i];
        let class = classes[i].expect("checked above");
        let push_to = (0..noutputs[i])
            .map(|p| match outputs_mode[i][p] {
                Processing::Push => output_peers[i][p].first().copied(),
                _ => None,
            })
            .collect();
        let pull_from = (0..ninputs[i])
            .map(|p| match inputs_mode[i][p] {
                Processing::Pull => input_peers[i][p].first().copied(),
                _ => None,
            })
            .collect();
        infos.push(ElementInfo {
            name: e.name.clone(),
            class: class.clone(),
            config: e.config.clone(),
            span: e.span,
            config_span: e.config_span,
            inputs: inputs_mode[i].clone(),
            outputs: outputs_mode[i].clone(),
            push_to,
            pull_from,
            input_peers: std::mem::take(&mut input_peers[i]),
            output_peers: std::mem::take(&mut output_peers[i]),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| classes[i].expect("checked above").spec.configure_phase);
    let mut made: Vec<Option<BuiltElement>> = (0..n).map(|_| None).collect();
    for i in order {
        let e = &graph.elements[i];
        let class = classes[i].expect("checked above");
        let cx = BuildContext {
            clock: clock.clone(),
            name: e.name.clone(),
            ninputs: ninputs[i],
            noutputs: noutputs[i],
            shared: shared.clone(),
        };
        match make_element(class, &e.config, &cx) {
            Ok(element) => {
                made[i] = Some(BuiltElement {
                    element,
                    output: Output::new(noutputs[i], class.spec.drop_reasons.len()),
                    wants_task: false,
                    manages_stops: false,
                })
            }
            Err(err) => errors.push(config_error_diag(graph, e, &label(i), &err)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut elements: Vec<BuiltElement> = made.into_iter().flatten().collect();

    if stage == BuildStage::Check {
        return Ok(Built {
            infos,
            elements,
            warnings,
        });
    }
    let mut manager: Option<usize> = None;
    for (i, built) in elements.iter_mut().enumerate() {
        let info = &infos[i];
        let mut cx = InitContext {
            inputs: &info.inputs,
            outputs: &info.outputs,
            wants_task: false,
            manages_stops: false,
            shared,
            graph: &infos,
            index: i,
        };
        let initialized =
            clickconf::args::with_names(shared.clone(), || built.element.initialize(&mut cx));
        if let Err(err) = initialized {
            errors.push(config_error_diag(
                graph,
                &graph.elements[i],
                &label(i),
                &err,
            ));
        }
        built.wants_task = cx.wants_task;
        built.manages_stops = cx.manages_stops;
        if cx.manages_stops {
            if manager.is_some() {
                errors.push(config_error_diag(
                    graph,
                    &graph.elements[i],
                    &label(i),
                    &ConfigError::msg("router has more than one driver script"),
                ));
            }
            manager = Some(i);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Built {
        infos,
        elements,
        warnings,
    })
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, len: usize) {
    if v.len() < len {
        v.resize(len, T::default());
    }
}

fn plural_s(max: Option<usize>) -> &'static str {
    if max == Some(1) { "" } else { "s" }
}

fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    quoted.join(" or ")
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb] = ra;
        }
    }
}
