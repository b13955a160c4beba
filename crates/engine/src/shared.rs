//! What elements publish for other elements to find while a router is
//! built: names for arguments (Click's `AddressInfo`) and objects looked up
//! by element name (a rewriter's mapper, a table of patterns).
//!
//! Key decision: sharing goes through typed `Arc`s published under the
//! publishing element's name, so the engine needs to know nothing of what is
//! shared, and an element that names a missing or wrong-class element gets
//! `None` and reports a configuration error naming it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::{NameKind, NameResolver};

type SharedObject = Arc<dyn Any + Send + Sync>;

/// The objects and names elements have published.
#[derive(Default)]
pub struct Shared {
    objects: Mutex<HashMap<String, Vec<SharedObject>>>,
    names: Mutex<Vec<Arc<dyn NameResolver>>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Shared")
            .field("publishers", &objects.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Shared {
    /// Publishes `object` under `element`'s name.
    pub fn publish<T: Any + Send + Sync>(&self, element: &str, object: Arc<T>) {
        self.objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(element.to_string())
            .or_default()
            .push(object);
    }

    /// The object of type `T` that `element` published, if any.
    pub fn lookup<T: Any + Send + Sync>(&self, element: &str) -> Option<Arc<T>> {
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        objects
            .get(element)?
            .iter()
            .find_map(|o| o.clone().downcast::<T>().ok())
    }

    /// Every published object of type `T`, with its publisher's name, in
    /// no particular order.
    pub fn all<T: Any + Send + Sync>(&self) -> Vec<(String, Arc<T>)> {
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = Vec::new();
        for (name, list) in objects.iter() {
            for o in list {
                if let Ok(t) = o.clone().downcast::<T>() {
                    found.push((name.clone(), t));
                }
            }
        }
        found
    }

    /// Adds names that arguments of elements built afterwards may use.
    pub fn add_names(&self, names: Arc<dyn NameResolver>) {
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(names);
    }
}

impl NameResolver for Shared {
    fn resolve(&self, name: &str, kind: NameKind) -> Option<String> {
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        names.iter().find_map(|n| n.resolve(name, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Table;
    impl NameResolver for Table {
        fn resolve(&self, name: &str, kind: NameKind) -> Option<String> {
            (name == "gw" && kind == NameKind::Ipv4).then(|| "10.0.0.1".to_string())
        }
    }

    #[test]
    fn objects_are_found_by_publisher_and_type() {
        let shared = Shared::default();
        shared.publish("m", Arc::new(5u32));
        shared.publish("m", Arc::new(String::from("x")));
        assert_eq!(*shared.lookup::<u32>("m").unwrap(), 5);
        assert_eq!(*shared.lookup::<String>("m").unwrap(), "x");
        assert!(shared.lookup::<u64>("m").is_none());
        assert!(shared.lookup::<u32>("other").is_none());
        assert_eq!(shared.all::<u32>().len(), 1);
    }

    #[test]
    fn names_reach_argument_parsing() {
        use clickconf::args::ArgValue;
        use std::net::Ipv4Addr;
        let shared = Arc::new(Shared::default());
        shared.add_names(Arc::new(Table));
        let parsed = clickconf::args::with_names(shared, || Ipv4Addr::parse_arg("gw"));
        assert_eq!(parsed.unwrap(), Ipv4Addr::new(10, 0, 0, 1));
        assert!(
            Ipv4Addr::parse_arg("gw").is_err(),
            "names end with the call"
        );
    }
}
