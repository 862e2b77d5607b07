#![no_main]
//! Fuzz target `pipeline_resolved` (pipeline-core): the bytes a resolver returns, read as
//! the Task or Pipeline a reference names (strict parse, kind check, validation, cache).
//! Nothing may panic; a second request is answered from the cache with the same verdict.
use libfuzzer_sys::fuzz_target;
use pipeline_core::Error;
use pipeline_core::resolve::{
    RefKind, ResolutionRequest, ResolvedResource, Resolver, Resolvers,
};

struct Bytes(Vec<u8>);

impl Resolver for Bytes {
    fn resolve(&self, _: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        Ok(ResolvedResource {
            data: self.0.clone(),
            ..Default::default()
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let resolvers = Resolvers::new().with("fuzz", Bytes(data.to_vec()));
    for kind in [RefKind::Task, RefKind::Pipeline] {
        let request = ResolutionRequest {
            resolver: "fuzz".into(),
            kind,
            ..Default::default()
        };
        let first = match kind {
            RefKind::Pipeline => resolvers.pipeline(&request).is_ok(),
            _ => resolvers.task(&request).is_ok(),
        };
        let second = match kind {
            RefKind::Pipeline => resolvers.pipeline(&request).is_ok(),
            _ => resolvers.task(&request).is_ok(),
        };
        assert_eq!(first, second);
    }
    assert_eq!(resolvers.calls(), 2);
});
