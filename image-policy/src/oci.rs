//! Real registries through `oci-client` (feature `oci`): a blocking [`TagLister`] with
//! anonymous, basic or bearer-token auth and pagination, plus a small push helper.
//!
//! The lister owns a current-thread tokio runtime; nothing else in the crate uses tokio.

use std::collections::HashSet;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::Error;
use crate::lister::{CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, TagLister};

/// Tags requested per page.
pub const PAGE_SIZE: usize = 1000;
/// The most pages a listing follows.
pub const MAX_PAGES: usize = 10_000;

/// Registry credentials.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    Anonymous,
    /// HTTP basic auth.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Anonymous => f.write_str("Anonymous"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl Auth {
    fn to_registry_auth(&self) -> RegistryAuth {
        match self {
            Auth::Anonymous => RegistryAuth::Anonymous,
            Auth::Basic { username, password } => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
            Auth::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        }
    }
}

/// A blocking tag lister (and pusher) for a real registry.
pub struct RegistryLister {
    client: Client,
    auth: Auth,
    runtime: tokio::runtime::Runtime,
    page_size: usize,
}

impl std::fmt::Debug for RegistryLister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryLister")
            .field("auth", &self.auth)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl RegistryLister {
    /// A lister using HTTPS, except plain HTTP for the registries (`host:port`) listed in
    /// `insecure`.
    pub fn new(auth: Auth, insecure: &[String]) -> Result<RegistryLister, Error> {
        // Any provider already installed by the host application is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let protocol = if insecure.is_empty() {
            ClientProtocol::Https
        } else {
            ClientProtocol::HttpsExcept(insecure.to_vec())
        };
        let client = Client::new(ClientConfig {
            protocol,
            ..ClientConfig::default()
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Registry {
                repository: String::new(),
                message: format!("cannot start runtime: {e}"),
            })?;
        Ok(RegistryLister {
            client,
            auth,
            runtime,
            page_size: PAGE_SIZE,
        })
    }

    /// Sets the page size asked for (`n`).
    pub fn with_page_size(mut self, n: usize) -> RegistryLister {
        self.page_size = n.max(1);
        self
    }

    fn reference(repository: &str, tag: Option<&str>) -> Result<Reference, Error> {
        let text = match tag {
            Some(t) => format!("{repository}:{t}"),
            None => repository.to_string(),
        };
        text.parse::<Reference>().map_err(|e| Error::Registry {
            repository: repository.to_string(),
            message: format!("invalid reference: {e}"),
        })
    }

    /// Pushes a one-layer image to `repository:tag` and returns its manifest digest.
    pub fn push(
        &self,
        repository: &str,
        tag: &str,
        config: &[u8],
        layer: &[u8],
    ) -> Result<String, Error> {
        let reference = Self::reference(repository, Some(tag))?;
        let auth = self.auth.to_registry_auth();
        let fail = |e: oci_client::errors::OciDistributionError| Error::Registry {
            repository: repository.to_string(),
            message: format!("push {tag}: {e}"),
        };
        self.runtime.block_on(async {
            let layers = [ImageLayer::new(
                layer.to_vec(),
                LAYER_MEDIA_TYPE.to_string(),
                None,
            )];
            let config = Config::new(config.to_vec(), CONFIG_MEDIA_TYPE.to_string(), None);
            self.client
                .push(&reference, &layers, config, &auth, None)
                .await
                .map_err(fail)?;
            self.client
                .fetch_manifest_digest(&reference, &auth)
                .await
                .map_err(fail)
        })
    }
}

impl TagLister for RegistryLister {
    /// Lists every tag, following pages until one adds no new tag (some registries ignore
    /// `n` and `last` and answer the full list every time).
    fn list_tags(&self, repository: &str) -> Result<Vec<String>, Error> {
        let reference = Self::reference(repository, None)?;
        let auth = self.auth.to_registry_auth();
        self.runtime.block_on(async {
            let mut seen = HashSet::new();
            let mut tags = Vec::new();
            let mut last: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let page = self
                    .client
                    .list_tags(&reference, &auth, Some(self.page_size), last.as_deref())
                    .await
                    .map_err(|e| Error::Registry {
                        repository: repository.to_string(),
                        message: format!("list tags: {e}"),
                    })?;
                let before = tags.len();
                for t in page.tags {
                    if seen.insert(t.clone()) {
                        tags.push(t);
                    }
                }
                if tags.len() == before {
                    break;
                }
                last = tags.last().cloned();
            }
            Ok(tags)
        })
    }

    fn digest(&self, repository: &str, tag: &str) -> Result<Option<String>, Error> {
        let reference = Self::reference(repository, Some(tag))?;
        let auth = self.auth.to_registry_auth();
        self.runtime
            .block_on(self.client.fetch_manifest_digest(&reference, &auth))
            .map(Some)
            .map_err(|e| Error::Registry {
                repository: repository.to_string(),
                message: format!("digest of {tag}: {e}"),
            })
    }
}
