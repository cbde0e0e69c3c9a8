//! Sync with the person's account on a casefile server: signing in once
//! (the session kept in the config folder, readable by the user only), and
//! the server as a [`Remote`] over HTTPS. What crosses and how it merges is
//! the store's (`casefile_store::sync`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use casefile_core::Entry;
use casefile_store::StoreError;
use casefile_store::sync::{Accepted, Remote};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Exit, Result};

/// The server's session cookie.
const COOKIE: &str = "casefile_session";

/// How long one request may take before the sync gives up (and the next
/// one carries on).
const TIMEOUT: Duration = Duration::from_secs(60);

/// What `casefile sync login` keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The server's address, without a trailing slash.
    pub url: String,
    pub session: String,
    /// The server certificate's SHA-256 (AB:CD:...), when it is trusted by
    /// that rather than by a certificate authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The server's workspace, as it said at sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// When a sync last finished whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<jiff::Timestamp>,
}

/// Where the credential is kept: beside the config file (and the key).
pub fn credential_path(settings: &crate::Settings) -> Result<PathBuf> {
    settings
        .signing_key
        .as_ref()
        .and_then(|k| k.parent())
        .map(|d| d.join("sync.json"))
        .ok_or_else(|| {
            Error::invalid("there is no config folder to keep the sign-in in").hint(
                "set CASEFILE_CONFIG to a config file's path, e.g. ~/.config/casefile/config.toml",
            )
        })
}

pub fn load_credential(settings: &crate::Settings) -> Result<Option<Credential>> {
    let path = credential_path(settings)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::invalid(format!(
                "{} cannot be read: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::invalid(format!("{} cannot be read: {e}", path.display()))
            .hint("sign in again: casefile sync login URL")
    })
}

/// Writes the credential readable by the user only, replacing any before.
pub fn save_credential(settings: &crate::Settings, c: &Credential) -> Result<PathBuf> {
    let path = credential_path(settings)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::invalid(format!("{} cannot be made: {e}", dir.display())))?;
    }
    let text = serde_json::to_string_pretty(c).unwrap_or_default();
    let tmp = path.with_extension("json.new");
    write_private(&tmp, text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| Error::invalid(format!("{} cannot be written: {e}", path.display())))?;
    Ok(path)
}

pub fn forget_credential(settings: &crate::Settings) -> Result<bool> {
    let path = credential_path(settings)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::invalid(format!(
            "{} cannot be removed: {e}",
            path.display()
        ))),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The address, checked: HTTPS, or plain HTTP only to this machine.
pub fn check_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let parsed = url::Url::parse(&url).map_err(|e| {
        Error::invalid(format!("{url:?} is not an address: {e}"))
            .hint("give the server's address, e.g. https://casefile.example.org")
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(Error::invalid(format!(
            "{url} is plain HTTP to another machine: your session and your cases would cross the network readable"
        ))
        .hint("use https:// (a server started with --tls-self-signed prints its fingerprint; give it with --fingerprint)")),
        other => Err(Error::invalid(format!("{other}: is not a scheme casefile syncs over"))
            .hint("give an https:// address")),
    }
}

/// A server certificate trusted because its SHA-256 is the one the person
/// was shown by the server (a self-signed certificate has no authority).
#[derive(Debug)]
struct Pinned {
    sha256: Vec<u8>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if Sha256::digest(end_entity.as_ref()).as_slice() == self.sha256.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the one whose fingerprint was given".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A fingerprint as people copy it (colons, spaces, either case), as bytes.
fn fingerprint_bytes(fp: &str) -> Result<Vec<u8>> {
    let hex: String = fp.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let bytes = hex::decode(&hex).ok().filter(|b| b.len() == 32);
    bytes.ok_or_else(|| {
        Error::invalid(format!("{fp:?} is not a SHA-256 fingerprint"))
            .hint("copy the 32 pairs the server printed, e.g. AB:CD:...")
    })
}

fn agent(fingerprint: Option<&str>) -> Result<ureq::Agent> {
    let mut b = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0);
    if let Some(fp) = fingerprint {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(Exit::Internal, format!("TLS cannot be set up: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                sha256: fingerprint_bytes(fp)?,
                provider,
            }))
            .with_no_client_auth();
        b = b.tls_config(Arc::new(config));
    }
    Ok(b.build())
}

/// How a device signs in.
pub enum Login {
    /// An account's email and password (and which workspace, if several).
    Password {
        email: String,
        password: String,
        workspace: Option<String>,
    },
    /// A one-time link the server printed or showed as a QR code.
    Link,
}

fn session_cookie(r: &ureq::Response) -> Option<String> {
    r.all("set-cookie").into_iter().find_map(|c| {
        let (kv, _) = c.split_once(';').unwrap_or((c, ""));
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

fn transport(url: &str, e: ureq::Transport) -> Error {
    let said = e.to_string();
    let hint = if said.to_ascii_lowercase().contains("certificate") {
        "the server's certificate is not one this device trusts: give the fingerprint the server printed (--fingerprint AB:CD:...), and check it matches"
    } else {
        "check the address and your connection; nothing was changed, and the next sync carries on"
    };
    Error::new(
        Exit::Internal,
        format!("the server at {url} cannot be reached: {said}"),
    )
    .hint(hint)
}

/// Signs in and keeps the session. `url` is the server's address, or a
/// one-time link (`.../pair/...`) with [`Login::Link`].
pub fn login(url: &str, how: Login, fingerprint: Option<String>) -> Result<Credential> {
    let url = check_url(url)?;
    let agent = agent(fingerprint.as_deref())?;
    let (base, response, account) = match how {
        Login::Link => {
            let base = match url.find("/pair/") {
                Some(i) => url[..i].to_string(),
                None => {
                    return Err(
                        Error::invalid(format!("{url} is not a one-time link")).hint(
                            "a link looks like https://host:port/pair/...; or sign in with --email",
                        ),
                    );
                }
            };
            // Asked as a device: its session lasts (see accounts::session_ms).
            let sep = if url.contains('?') { '&' } else { '?' };
            (base, agent.get(&format!("{url}{sep}device=1")).call(), None)
        }
        Login::Password {
            email,
            password,
            workspace,
        } => {
            let form = [
                ("email", email.as_str()),
                ("password", password.as_str()),
                ("workspace", workspace.as_deref().unwrap_or("")),
                ("device", "1"),
            ];
            let r = agent.post(&format!("{url}/login")).send_form(&form);
            (url.clone(), r, Some(email))
        }
    };
    let session = match response {
        Ok(r) => session_cookie(&r),
        Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let body = r.into_string().unwrap_or_default();
            let said = said(&body).unwrap_or_else(|| format!("it answered {status}"));
            return Err(Error::new(
                Exit::Invalid,
                format!("the server refused the sign-in: {said}"),
            )
            .hint("check the email and password (or ask for a new link), then try again"));
        }
        Err(ureq::Error::Transport(t)) => return Err(transport(&base, t)),
    };
    let Some(session) = session else {
        return Err(Error::new(
            Exit::Invalid,
            "the server refused the sign-in: the link was used already, or the email or password is wrong",
        )
        .hint("ask the server for a new link (casefile serve prints one), or check the password"));
    };
    let mut c = Credential {
        url: base,
        session,
        fingerprint,
        workspace: None,
        account,
        last_sync: None,
    };
    let heads = Http::new(&c)?.heads_answer()?;
    c.workspace = heads.workspace;
    Ok(c)
}

/// The message in a page or JSON the server sent with a refusal.
fn said(body: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        return v["error"].as_str().map(str::to_string);
    }
    // A page: its first paragraph of text.
    let start = body.find("<p")?;
    let text = &body[start..];
    let open = text.find('>')? + 1;
    let close = text[open..].find("</p>")? + open;
    let t = text[open..close].trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The server, over HTTP, as the signed-in device.
pub struct Http {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    /// Bytes sent and received in bodies, for the benchmark's report.
    pub sent: u64,
    pub received: u64,
    /// What each journal is, as the server last said.
    pub kinds: std::collections::HashMap<Uuid, casefile_core::StreamKind>,
}

#[derive(Deserialize)]
struct HeadsAnswer {
    #[serde(default)]
    workspace: Option<Uuid>,
    journals: Vec<Journal>,
}

#[derive(Deserialize)]
struct Journal {
    id: Uuid,
    #[serde(default)]
    kind: Option<casefile_core::StreamKind>,
    head: u64,
}

#[derive(Deserialize)]
struct EntriesAnswer {
    entries: Vec<Entry>,
}

impl Http {
    pub fn new(c: &Credential) -> Result<Http> {
        Ok(Http {
            agent: agent(c.fingerprint.as_deref())?,
            base: c.url.clone(),
            cookie: format!("{COOKIE}={}", c.session),
            sent: 0,
            received: 0,
            kinds: Default::default(),
        })
    }

    fn read(
        &mut self,
        r: std::result::Result<ureq::Response, ureq::Error>,
    ) -> Result<String, StoreError> {
        match r {
            Ok(r) => {
                let body = r.into_string().map_err(|e| {
                    StoreError::Engine(format!("the server's answer was cut off: {e}"))
                })?;
                self.received += body.len() as u64;
                Ok(body)
            }
            Err(ureq::Error::Status(code, r)) => {
                let body = r.into_string().unwrap_or_default();
                let message = said(&body).unwrap_or_default();
                Err(match code {
                    303 | 401 => StoreError::Engine(
                        "the server has ended this device's session: sign in again with `casefile sync login`".into(),
                    ),
                    403 => StoreError::ReadOnly(format!(
                        "this account's workspace on the server ({message})"
                    )),
                    409 => {
                        let head = serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["head"].as_u64())
                            .unwrap_or(0);
                        StoreError::Conflict {
                            expected: 0,
                            actual: head,
                        }
                    }
                    422 => StoreError::Import(format!("the server refused: {message}")),
                    _ => StoreError::Engine(format!("the server answered {code}: {message}")),
                })
            }
            Err(ureq::Error::Transport(t)) => Err(StoreError::Engine(format!(
                "the server at {} cannot be reached: {t}",
                self.base
            ))),
        }
    }

    fn heads_answer(&mut self) -> Result<HeadsAnswer> {
        let r = self
            .agent
            .get(&format!("{}/api/sync/heads", self.base))
            .set("cookie", &self.cookie)
            .call();
        let body = self.read(r).map_err(Error::from)?;
        serde_json::from_str(&body).map_err(|e| {
            Error::new(
                Exit::Internal,
                format!(
                    "{} did not answer as a casefile server does: {e}",
                    self.base
                ),
            )
            .hint("check the address: it should be the casefile server's")
        })
    }
}

impl Remote for Http {
    fn heads(&mut self) -> Result<Vec<(Uuid, u64)>, StoreError> {
        let a = self
            .heads_answer()
            .map_err(|e| StoreError::Engine(e.message))?;
        for j in &a.journals {
            if let Some(k) = j.kind {
                self.kinds.insert(j.id, k);
            }
        }
        Ok(a.journals.into_iter().map(|j| (j.id, j.head)).collect())
    }

    fn pull(&mut self, stream: Uuid, after: u64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let r = self
            .agent
            .get(&format!(
                "{}/api/sync/journals/{stream}?after={after}&limit={limit}",
                self.base
            ))
            .set("cookie", &self.cookie)
            .call();
        let body = self.read(r)?;
        serde_json::from_str::<EntriesAnswer>(&body)
            .map(|a| a.entries)
            .map_err(|e| StoreError::Import(format!("the server's entries cannot be read: {e}")))
    }

    fn push(
        &mut self,
        stream: Uuid,
        base: u64,
        entries: Vec<Entry>,
    ) -> Result<Accepted, StoreError> {
        let body = serde_json::json!({ "base": base, "entries": entries }).to_string();
        self.sent += body.len() as u64;
        let r = self
            .agent
            .post(&format!("{}/api/sync/journals/{stream}", self.base))
            .set("cookie", &self.cookie)
            .set("content-type", "application/json")
            .send_string(&body);
        let answer = self.read(r).map_err(|e| match e {
            StoreError::Conflict { actual, .. } => StoreError::Conflict {
                expected: base,
                actual,
            },
            other => other,
        })?;
        serde_json::from_str(&answer)
            .map_err(|e| StoreError::Engine(format!("the server's answer cannot be read: {e}")))
    }
}

/// What the sync command tells: what crossed, with whom.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub server: String,
    #[serde(flatten)]
    pub report: casefile_store::sync::Report,
    /// Bytes of entries sent and received.
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// What waits, as `casefile sync --status` tells it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub server: String,
    /// When a sync last finished whole, if one has.
    pub last_sync: Option<jiff::Timestamp>,
    /// Whether the server answered; if not, what comes down is unknown.
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub up: u64,
    pub down: u64,
    pub journals: Vec<casefile_store::sync::Waiting>,
}

/// The credential, or the words that say how to get one.
pub fn signed_in(settings: &crate::Settings) -> Result<Credential> {
    load_credential(settings)?.ok_or_else(|| {
        Error::invalid("this device is not signed in to a casefile server")
            .hint("sign in once: casefile sync login https://your-server (or the one-time link the server shows)")
    })
}

/// A sync's store error in words for the person: what happened, that nothing
/// was lost, and what to do.
pub fn sync_error(e: StoreError) -> Error {
    match e {
        StoreError::Engine(m) => Error::new(Exit::Internal, m)
            .hint("nothing was lost: what landed is kept on both sides; run `casefile sync` again to finish"),
        StoreError::ReadOnly(m) => Error::invalid(format!(
            "the server refused to take this device's entries: {m}"
        ))
        .hint("what the server had came down and stays here; ask the workspace's owner to make you a helper, then sync again"),
        StoreError::Import(m) => Error::new(Exit::VerifyFailed, m).hint(
            "nothing of that journal was taken; run `casefile verify` here, and ask the server's owner to check theirs",
        ),
        other => Error::from(other),
    }
}

/// Brings down what the server has, then sends up what this device wrote,
/// telling `progress` the entries moved and how many wait.
pub fn run(ctx: &mut crate::ctx::Ctx, progress: &mut dyn FnMut(u64, u64)) -> Result<Done> {
    let mut c = signed_in(&ctx.settings)?;
    let mut http = Http::new(&c)?;
    let report = casefile_store::sync::sync_with(
        &mut *ctx.store,
        &mut http,
        casefile_store::sync::BATCH,
        progress,
    )
    .map_err(sync_error)?;
    // When it last finished, for --status; a sync is not undone if this
    // cannot be written.
    c.last_sync = Some(jiff::Timestamp::now());
    let _ = save_credential(&ctx.settings, &c);
    Ok(Done {
        server: c.url,
        report,
        bytes_sent: http.sent,
        bytes_received: http.received,
    })
}

/// Where this device syncs and what written here waits to go up, from the
/// kept sign-in and the local journals alone (the server is not asked);
/// None when the device is not signed in.
pub fn local_status(ctx: &crate::ctx::Ctx) -> Result<Option<(Credential, u64)>> {
    let Some(c) = load_credential(&ctx.settings)? else {
        return Ok(None);
    };
    let waiting = casefile_store::sync::waiting(&*ctx.store, None)?;
    Ok(Some((c, up(&waiting))))
}

fn up(journals: &[casefile_store::sync::Waiting]) -> u64 {
    journals.iter().map(|j| j.up).sum()
}

/// What waits to go up, and (if the server answers) to come down.
pub fn status(ctx: &crate::ctx::Ctx) -> Result<Status> {
    let c = signed_in(&ctx.settings)?;
    let mut http = Http::new(&c)?;
    let (heads, problem) = match http.heads() {
        Ok(h) => (Some(h), None),
        Err(e) => (None, Some(sync_error(e).message)),
    };
    let mut journals = casefile_store::sync::waiting(&*ctx.store, heads.as_deref())?;
    for j in journals.iter_mut().filter(|j| j.kind.is_none()) {
        j.kind = http.kinds.get(&j.stream).copied();
    }
    Ok(Status {
        last_sync: c.last_sync,
        server: c.url,
        reachable: heads.is_some(),
        problem,
        up: up(&journals),
        down: journals.iter().map(|j| j.down).sum(),
        journals,
    })
}
