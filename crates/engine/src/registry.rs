//! The registry of element classes.
//!
//! Key decision: the registry is a plain value built by whoever assembles
//! the element library (no global constructors), and it parses every
//! class's declarations when a class is added, so a malformed declaration
//! is found at startup, not when a configuration first uses the class.

use std::collections::BTreeMap;

use crate::spec::{
    DeclarationError, ElementSpec, PortRange, ProcessingCodes, parse_port_count, parse_processing,
};

/// A class with its declarations parsed.
#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub spec: ElementSpec,
    pub inputs: PortRange,
    pub outputs: PortRange,
    pub input_processing: ProcessingCodes,
    pub output_processing: ProcessingCodes,
}

/// Element classes by name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    classes: BTreeMap<&'static str, ClassInfo>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a class; a later class of the same name replaces the earlier.
    pub fn add(&mut self, spec: ElementSpec) -> Result<(), DeclarationError> {
        let (inputs, outputs) = parse_port_count(spec.ports)?;
        let (input_processing, output_processing) = parse_processing(spec.processing)?;
        self.classes.insert(
            spec.class,
            ClassInfo {
                spec,
                inputs,
                outputs,
                input_processing,
                output_processing,
            },
        );
        Ok(())
    }

    pub fn get(&self, class: &str) -> Option<&ClassInfo> {
        self.classes.get(class)
    }

    /// All classes in name order.
    pub fn classes(&self) -> impl Iterator<Item = &ClassInfo> {
        self.classes.values()
    }

    /// Known class names close to `name`, nearest first (for "did you mean").
    pub fn suggest(&self, name: &str) -> Vec<&'static str> {
        let lower = name.to_ascii_lowercase();
        let mut scored: Vec<(usize, &'static str)> = self
            .classes
            .keys()
            .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
            .filter(|(d, k)| *d <= (k.len() / 3).max(2))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, k)| k).collect()
    }
}

impl clickconf::ClassLookup for Registry {
    fn is_class(&self, name: &str) -> bool {
        self.classes.contains_key(name)
    }
    fn class_names(&self) -> Vec<String> {
        self.classes.keys().map(|k| k.to_string()).collect()
    }
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("counter", "counter"), 0);
        assert_eq!(edit_distance("cuonter", "counter"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
