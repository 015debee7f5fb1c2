//! Writing the generated types: what their `Serialize` impls, written out by the generator
//! instead of derived, share. Without the `read` feature the crate compiles no serde derive
//! (issue 12, compile cost).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::Extra;

/// A JSON object being written: known keys in field order, then the unknown ones kept in
/// `extra`, as `#[derive(Serialize)]` with `#[serde(flatten)] extra` wrote them.
pub(crate) struct Map<M>(M);

impl<M: SerializeMap> Map<M> {
    pub(crate) fn new<S: Serializer<SerializeMap = M, Error = M::Error>>(
        serializer: S,
    ) -> Result<Self, S::Error> {
        serializer.serialize_map(None).map(Map)
    }

    /// `key` when the value is set.
    pub(crate) fn optional<T: Serialize>(
        &mut self,
        key: &'static str,
        value: &Option<T>,
    ) -> Result<(), M::Error> {
        match value {
            Some(value) => self.0.serialize_entry(key, value),
            None => Ok(()),
        }
    }

    /// `key`, always.
    pub(crate) fn required<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }

    /// The keys the types do not know, as read.
    pub(crate) fn extra(&mut self, extra: &Extra) -> Result<(), M::Error> {
        for (key, value) in extra {
            self.0.serialize_entry(key, value)?;
        }
        Ok(())
    }

    pub(crate) fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}
