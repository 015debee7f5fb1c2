//! The compiled `FileDescriptorSet`: where the macro learns the exact `.proto` names of a
//! service and its methods, which a Rust trait does not carry (tonic-prost-build turns both
//! `GetHTTPStatus` and `GetHttpStatus` into `get_http_status`).
//!
//! `descriptor = "descriptor.bin"` names the file the build script wrote: a relative path is
//! read from `$OUT_DIR` (the directory cargo gives the build script, and the crate being
//! compiled, where the generated tonic code also lives), an absolute one as it is. The file is
//! read when the macro expands; the expansion `include_bytes!`s it, so rustc tracks the file
//! and a changed `.proto` (a new descriptor set) expands the trait again.

use std::path::{Path, PathBuf};

use prost::Message as _;
use prost_types::FileDescriptorSet;
use syn::LitStr;

use crate::{errors::Errors, validate::Kind};

/// A descriptor set, read and decoded.
pub(crate) struct Descriptor {
    /// The file it was read from, absolute, for `include_bytes!`.
    pub(crate) path: PathBuf,
    /// The `descriptor = ".."` literal, where errors about the file point.
    pub(crate) lit: LitStr,
    pub(crate) services: Vec<DescribedService>,
}

/// One service of the descriptor set.
pub(crate) struct DescribedService {
    /// `helloworld.Greeter`.
    pub(crate) full_name: String,
    /// `Greeter`.
    pub(crate) name: String,
    pub(crate) methods: Vec<DescribedMethod>,
}

/// One method of a described service.
pub(crate) struct DescribedMethod {
    /// `GetHTTPStatus`, exactly as the `.proto` spells it.
    pub(crate) name: String,
    pub(crate) kind: Kind,
}

/// Where `descriptor = "<value>"` points, given `$OUT_DIR` (if cargo set it).
pub(crate) fn resolve(value: &str, out_dir: Option<&Path>) -> Result<PathBuf, String> {
    let path = Path::new(value);
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    match out_dir {
        Some(dir) => Ok(dir.join(path)),
        None => Err(format!(
            "`descriptor = \"{value}\"` is read from `$OUT_DIR`, which cargo sets only for a crate \
             with a build script; write the descriptor set there in `build.rs` \
             (`protox::compile(..)` or `tonic_prost_build::configure().file_descriptor_set_path(..)`), \
             or give an absolute path"
        )),
    }
}

/// Reads and decodes the descriptor set `lit` names; on failure, an error on `lit`.
pub(crate) fn load(lit: &LitStr, errors: &mut Errors) -> Option<Descriptor> {
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    let path = match resolve(&lit.value(), out_dir.as_deref()) {
        Ok(path) => path,
        Err(message) => {
            errors.error(lit, message);
            return None;
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) => {
            errors.error(
                lit,
                format!(
                    "cannot read the descriptor set `{}`: {err}; the build script writes it \
                     (`protox::compile(..)` encoded, or `tonic_prost_build::configure().file_descriptor_set_path(..)`)",
                    path.display()
                ),
            );
            return None;
        }
    };
    match decode(&bytes) {
        Ok(services) => Some(Descriptor {
            path,
            lit: lit.clone(),
            services,
        }),
        Err(message) => {
            errors.error(
                lit,
                format!(
                    "`{}` is not a usable FileDescriptorSet: {message}",
                    path.display()
                ),
            );
            None
        }
    }
}

/// The services of an encoded `FileDescriptorSet`, in file order, methods in `.proto` order.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<DescribedService>, String> {
    let set = FileDescriptorSet::decode(bytes).map_err(|err| err.to_string())?;
    let mut out = Vec::new();
    for file in &set.file {
        for service in &file.service {
            let name = service.name().to_owned();
            if name.is_empty() {
                return Err(format!("`{}` has a service with no name", file.name()));
            }
            let full_name = match file.package() {
                "" => name.clone(),
                package => format!("{package}.{name}"),
            };
            let mut methods = Vec::with_capacity(service.method.len());
            for method in &service.method {
                if method.name().is_empty() {
                    return Err(format!("`{full_name}` has a method with no name"));
                }
                methods.push(DescribedMethod {
                    name: method.name().to_owned(),
                    kind: Kind::of(method.client_streaming(), method.server_streaming()),
                });
            }
            out.push(DescribedService {
                full_name,
                name,
                methods,
            });
        }
    }
    Ok(out)
}
