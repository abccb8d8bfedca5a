//! The implementations that can check a PKIX signature.

/// Which implementation checks a PKIX signature in [`PkixKey::verify_with`].
///
/// For differential testing and benchmarks: [`PkixKey::verify`] always uses
/// [`Backend::DEFAULT`], and every backend accepts exactly the same signatures (the
/// crate's tests/backends.rs checks this over the Wycheproof and conformance vectors).
/// Whatever the backend, a rejected signature is explained by the RustCrypto path, so the
/// error messages do not depend on it either.
///
/// [`PkixKey::verify`]: super::PkixKey::verify
/// [`PkixKey::verify_with`]: super::PkixKey::verify_with
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Pure-Rust RustCrypto (`p256`, `p384`, `p521`, `rsa`): always compiled in and the only
    /// backend on wasm32.
    RustCrypto,
    /// AWS-LC through `aws-lc-rs` (feature `native`, never on wasm32), several times faster.
    /// A signature AWS-LC rejects is rejected, even should RustCrypto accept it.
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    Native,
}

impl Backend {
    /// The backend [`PkixKey::verify`](super::PkixKey::verify) uses: [`Backend::Native`]
    /// when it is compiled in, otherwise [`Backend::RustCrypto`].
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    pub const DEFAULT: Backend = Backend::Native;
    /// The backend [`PkixKey::verify`](super::PkixKey::verify) uses: `Backend::Native`
    /// when it is compiled in, otherwise [`Backend::RustCrypto`].
    #[cfg(not(all(feature = "native", not(target_arch = "wasm32"))))]
    pub const DEFAULT: Backend = Backend::RustCrypto;

    /// Every backend compiled into this build, RustCrypto first.
    pub const ALL: &'static [Backend] = &[
        Backend::RustCrypto,
        #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
        Backend::Native,
    ];
}

impl Default for Backend {
    fn default() -> Self {
        Backend::DEFAULT
    }
}
