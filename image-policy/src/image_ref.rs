//! Container image references: `[registry[:port]/]path[:tag][@digest]`.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The registry an image without a registry part lives in.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The namespace a single-component Docker Hub repository lives in.
pub const DEFAULT_NAMESPACE: &str = "library";
/// The longest repository name accepted (registry and path together).
pub const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A parsed image reference, printed back exactly as it was written.
///
/// The accessors give the parts as written ([`ImageRef::name`]) and with the container
/// ecosystem's defaults applied ([`ImageRef::registry`], [`ImageRef::repository`],
/// [`ImageRef::canonical_name`]): `nginx` is `docker.io/library/nginx`.
///
/// ```
/// use image_policy::ImageRef;
///
/// let r: ImageRef = "localhost:5000/team/app:1.2.3".parse()?;
/// assert_eq!(r.name(), "localhost:5000/team/app");
/// assert_eq!(r.registry(), "localhost:5000");
/// assert_eq!(r.tag(), Some("1.2.3"));
///
/// let hub = ImageRef::parse("nginx")?;
/// assert_eq!(hub.canonical_name(), "docker.io/library/nginx");
/// assert_eq!(hub.to_string(), "nginx");
/// # Ok::<(), image_policy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageRef {
    name: String,
    /// Byte length of the registry part of `name` (0 when absent).
    domain_len: usize,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference; see the type's documentation for the accepted forms.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let fail = |reason: &str| Error::InvalidImageRef {
            reference: input.chars().take(300).collect(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(fail("empty reference"));
        }
        if input.len() > MAX_NAME_LEN + MAX_TAG_LEN + 200 {
            return Err(fail("reference too long"));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => {
                validate_digest(digest).map_err(&fail)?;
                (rest, Some(digest.to_string()))
            }
            None => (input, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest.get(last_slash..).and_then(|s| s.rfind(':')) {
            Some(colon) => {
                let at = last_slash + colon;
                let name = rest.get(..at).unwrap_or_default();
                let tag = rest.get(at + 1..).unwrap_or_default();
                validate_tag(tag).map_err(&fail)?;
                (name, Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(fail("empty repository name"));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(fail("repository name longer than 255 characters"));
        }
        let domain_len = match name.split_once('/') {
            Some((first, _)) if is_domain_like(first) => {
                validate_domain(first).map_err(&fail)?;
                first.len()
            }
            _ => 0,
        };
        let path = if domain_len == 0 {
            name
        } else {
            name.get(domain_len + 1..).unwrap_or_default()
        };
        for component in path.split('/') {
            validate_path_component(component).map_err(&fail)?;
        }
        Ok(ImageRef {
            name: name.to_string(),
            domain_len,
            tag,
            digest,
        })
    }

    /// The repository name as written, without tag or digest (`ghcr.io/org/app`, `nginx`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tag, when the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:...`), when the reference has one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The registry host (and port), `docker.io` when none is written.
    /// `index.docker.io` is reported as `docker.io`.
    pub fn registry(&self) -> &str {
        match self.name.get(..self.domain_len) {
            None | Some("") | Some("index.docker.io") => DEFAULT_REGISTRY,
            Some(domain) => domain,
        }
    }

    /// The repository path inside the registry, with `library/` added for single-component
    /// Docker Hub names (`nginx` -> `library/nginx`).
    pub fn repository(&self) -> String {
        let path = if self.domain_len == 0 {
            self.name.as_str()
        } else {
            self.name.get(self.domain_len + 1..).unwrap_or_default()
        };
        if self.registry() == DEFAULT_REGISTRY && !path.contains('/') {
            format!("{DEFAULT_NAMESPACE}/{path}")
        } else {
            path.to_string()
        }
    }

    /// `registry/repository` with every default applied (`docker.io/library/nginx`).
    pub fn canonical_name(&self) -> String {
        format!("{}/{}", self.registry(), self.repository())
    }

    /// The same repository with another tag (any digest is dropped).
    pub fn with_tag(&self, tag: &str) -> Result<Self, Error> {
        validate_tag(tag).map_err(|reason| Error::InvalidImageRef {
            reference: format!("{}:{tag}", self.name),
            reason: reason.to_string(),
        })?;
        Ok(ImageRef {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        })
    }

    /// The same reference with a digest added (or replaced).
    pub fn with_digest(&self, digest: &str) -> Result<Self, Error> {
        validate_digest(digest).map_err(|reason| Error::InvalidImageRef {
            reference: format!("{}@{digest}", self.name),
            reason: reason.to_string(),
        })?;
        Ok(ImageRef {
            digest: Some(digest.to_string()),
            ..self.clone()
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for ImageRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ImageRef::parse(s)
    }
}

impl TryFrom<&str> for ImageRef {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self, Error> {
        ImageRef::parse(s)
    }
}

impl serde::Serialize for ImageRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ImageRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ImageRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A first path component is a registry when it has a `.` or `:`, is `localhost`, or has
/// upper-case letters (which a repository path may not).
fn is_domain_like(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn validate_domain(domain: &str) -> Result<(), &'static str> {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or("unterminated IPv6 registry address")?;
        if v6.is_empty()
            || !v6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("invalid IPv6 registry address");
        }
        match after {
            "" => return Ok(()),
            _ => ("", after.strip_prefix(':').ok_or("invalid registry port")?),
        }
    } else {
        match domain.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (domain, ""),
        }
    };
    if domain.starts_with(':')
        || (domain.contains(':') && !domain.starts_with('[') && port.is_empty())
    {
        return Err("invalid registry port");
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid registry port");
    }
    if !domain.starts_with('[') {
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err("invalid registry host");
            }
        }
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn validate_path_component(c: &str) -> Result<(), &'static str> {
    if c.is_empty() {
        return Err("empty path component");
    }
    if c.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("repository name must be lowercase");
    }
    let bytes = c.as_bytes();
    let mut i = 0;
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut need_alnum = true;
    while let Some(&b) = bytes.get(i) {
        if alnum(b) {
            need_alnum = false;
            i += 1;
            continue;
        }
        if need_alnum {
            return Err("invalid path component");
        }
        let sep_len = match b {
            b'.' => 1,
            b'_' if bytes.get(i + 1) == Some(&b'_') => 2,
            b'_' => 1,
            b'-' => bytes
                .get(i..)
                .map_or(0, |s| s.iter().take_while(|&&c| c == b'-').count()),
            _ => return Err("invalid character in repository name"),
        };
        i += sep_len;
        need_alnum = true;
    }
    if need_alnum {
        return Err("invalid path component");
    }
    Ok(())
}

/// `[\w][\w.-]{0,127}`
fn validate_tag(tag: &str) -> Result<(), &'static str> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut bytes = tag.bytes();
    match bytes.next() {
        Some(b) if word(b) => {}
        _ => return Err("invalid tag"),
    }
    if tag.len() > MAX_TAG_LEN || !bytes.all(|b| word(b) || b == b'.' || b == b'-') {
        return Err("invalid tag");
    }
    Ok(())
}

/// `algorithm:hex` with `algorithm` = `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*` and at
/// least 32 hex digits (exactly 64 for sha256, 128 for sha512).
pub(crate) fn validate_digest(digest: &str) -> Result<(), &'static str> {
    let (algo, hex) = digest.split_once(':').ok_or("digest without algorithm")?;
    let algo_ok = algo.split(['-', '_', '+', '.']).all(|part| {
        let mut b = part.bytes();
        matches!(b.next(), Some(c) if c.is_ascii_alphabetic())
            && b.all(|c| c.is_ascii_alphanumeric())
    });
    if !algo_ok {
        return Err("invalid digest algorithm");
    }
    if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("invalid digest encoding");
    }
    match algo {
        "sha256" if hex.len() != 64 => Err("sha256 digest must have 64 hex digits"),
        "sha512" if hex.len() != 128 => Err("sha512 digest must have 128 hex digits"),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    const D: &str = "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be";

    /// input, name, registry, repository, tag, digest
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    #[test]
    fn parses_the_usual_forms() {
        // input, name, registry, repository, tag, digest
        let d = D;
        let table: &[Row<'_>] = &[
            ("nginx", "nginx", "docker.io", "library/nginx", None, None),
            (
                "nginx:1.25",
                "nginx",
                "docker.io",
                "library/nginx",
                Some("1.25"),
                None,
            ),
            (
                "org/app:v1",
                "org/app",
                "docker.io",
                "org/app",
                Some("v1"),
                None,
            ),
            (
                "docker.io/nginx",
                "docker.io/nginx",
                "docker.io",
                "library/nginx",
                None,
                None,
            ),
            (
                "index.docker.io/nginx",
                "index.docker.io/nginx",
                "docker.io",
                "library/nginx",
                None,
                None,
            ),
            (
                "localhost/app",
                "localhost/app",
                "localhost",
                "app",
                None,
                None,
            ),
            (
                "localhost:5000/app:1",
                "localhost:5000/app",
                "localhost:5000",
                "app",
                Some("1"),
                None,
            ),
            (
                "127.0.0.1:5000/a/b/c:t",
                "127.0.0.1:5000/a/b/c",
                "127.0.0.1:5000",
                "a/b/c",
                Some("t"),
                None,
            ),
            (
                "[::1]:5000/app",
                "[::1]:5000/app",
                "[::1]:5000",
                "app",
                None,
                None,
            ),
            (
                "ghcr.io/org/app@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be",
                "ghcr.io/org/app",
                "ghcr.io",
                "org/app",
                None,
                Some(d),
            ),
            (
                "image:v1.0.0@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be",
                "image",
                "docker.io",
                "library/image",
                Some("v1.0.0"),
                Some(d),
            ),
            (
                "a__b/c-d--e/f.g:x_y.z-1",
                "a__b/c-d--e/f.g",
                "docker.io",
                "a__b/c-d--e/f.g",
                Some("x_y.z-1"),
                None,
            ),
            (
                "Registry/app",
                "Registry/app",
                "Registry",
                "app",
                None,
                None,
            ),
        ];
        for (input, name, registry, repo, tag, digest) in table {
            let r = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.name(), *name, "{input}");
            assert_eq!(r.registry(), *registry, "{input}");
            assert_eq!(r.repository(), *repo, "{input}");
            assert_eq!(r.tag(), *tag, "{input}");
            assert_eq!(r.digest(), *digest, "{input}");
            assert_eq!(r.to_string(), *input, "round trip");
        }
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "",
            ":tag",
            "app:",
            "app:-x",
            "App",
            "org/App",
            "a//b",
            "a/",
            "/a",
            "a..b",
            "a-",
            "-a",
            "app@sha256:abc",
            "app@sha256:zz",
            "app@:abcd",
            "host:/app",
            "host:x1/app",
            "[::1/app",
            "app:tag:tag",
            "a b",
            "app@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14bee",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = "a".repeat(256);
        assert!(ImageRef::parse(&long).is_err());
        let long_tag = format!("app:{}", "t".repeat(129));
        assert!(ImageRef::parse(&long_tag).is_err());
    }

    #[test]
    fn canonical_name_and_builders() {
        let r = ImageRef::parse("nginx:1").unwrap();
        assert_eq!(r.canonical_name(), "docker.io/library/nginx");
        assert_eq!(r.with_tag("2").unwrap().to_string(), "nginx:2");
        assert_eq!(
            r.with_digest(D).unwrap().to_string(),
            format!("nginx:1@{D}")
        );
        assert!(r.with_tag("-bad").is_err());
        let j = serde_json::to_string(&r).unwrap();
        assert_eq!(j, "\"nginx:1\"");
        let back: ImageRef = serde_json::from_str(&j).unwrap();
        assert_eq!(back, r);
    }
}
