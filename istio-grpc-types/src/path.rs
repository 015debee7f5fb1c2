//! Field paths (`spec.http[0].route`) and the errors that carry one.

/// The error of one object conversion: a field path and a message.
#[cfg(feature = "read")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PathError {
    pub(crate) path: Vec<PathSegment>,
    pub(crate) message: String,
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathSegment {
    Key(String),
    Index(usize),
}

pub(crate) fn render_path(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSegment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

#[cfg(feature = "read")]
impl PathError {
    pub(crate) fn from_path_to_error(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                serde_path_to_error::Segment::Enum { variant } => {
                    Some(PathSegment::Key(variant.clone()))
                }
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        PathError {
            path,
            message: e.into_inner().to_string(),
        }
    }
}
