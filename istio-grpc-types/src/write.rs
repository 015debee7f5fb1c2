//! Writing objects as YAML: what the `yaml` module keeps without the `read` feature.

use crate::{Error, Object};

/// Writes objects as one multi-document YAML stream, in the given order.
///
/// The output is deterministic: the same objects always give the same bytes.
pub fn to_string<'a, I>(objects: I) -> Result<String, Error>
where
    I: IntoIterator<Item = &'a Object>,
{
    let mut out = String::new();
    for object in objects {
        push_document(&mut out, object)?;
    }
    Ok(out)
}

/// Appends one object as a YAML document.
///
/// Written through its JSON value ([`Object::to_json`]), so that the YAML writer is compiled
/// for one type (`serde_json::Value`) rather than once per generated struct in every crate
/// that writes YAML: this halves the builder's generated code (issue 12, compile cost). The
/// bytes are the same: keys keep their order (`preserve_order`) and scalars their form.
fn push_document(out: &mut String, object: &Object) -> Result<(), Error> {
    let failed = |message: String| Error::Write {
        kind: object.kind().to_owned(),
        name: object.name().unwrap_or("").to_owned(),
        message,
    };
    let value = object.to_json().map_err(|e| failed(e.to_string()))?;
    let text = serde_saphyr::to_string(&value).map_err(|e| failed(e.to_string()))?;
    out.push_str("---\n");
    out.push_str(&text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}
