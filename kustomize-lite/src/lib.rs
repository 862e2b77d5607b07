//! # kustomize-lite
//!
//! kustomize build as a library.
//!
//! ```
//! let docs = kustomize_lite::yaml::parse_stream("a: 1\n---\nb: 2\n", "x.yaml").unwrap();
//! assert_eq!(docs.len(), 2);
//! ```

pub mod yaml;
