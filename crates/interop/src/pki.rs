//! The test PKI, generated once per test process with the `openssl` binary.
//!
//! Layout (all PEM, keys unencrypted PKCS#8), in a fresh directory under the system temp dir:
//!
//! | file | what |
//! |---|---|
//! | `ca.pem`, `ca.key` | self-signed RSA-2048 CA, `CN=lucid interop test CA` |
//! | `server.pem/.key` | RSA-2048 leaf, `CN=localhost` |
//! | `server-ec.pem/.key` | ECDSA P-256 leaf, `CN=localhost` |
//! | `server-ed.pem/.key` | Ed25519 leaf, `CN=localhost` |
//! | `client.pem/.key` | RSA-2048 leaf, `CN=test client` |
//! | `server-expired.pem/.key` | ECDSA P-256 leaf, `CN=localhost`, valid 2020-01-01 to 2021-01-01 |
//! | `server-wrong-name.pem/.key` | ECDSA P-256 leaf for `wrong.example` only |
//! | `untrusted-ca.pem`, `untrusted-ca.key` | a second self-signed CA (ECDSA P-256), `CN=lucid interop untrusted CA`, that nothing trusts |
//! | `client-untrusted.pem/.key` | ECDSA P-256 client leaf, `CN=untrusted client`, signed by the untrusted CA |
//!
//! Every leaf except the wrong-name one has `subjectAltName=DNS:localhost,IP:127.0.0.1`; all but
//! `client-untrusted` are signed by the CA; all carry `extendedKeyUsage=serverAuth,clientAuth`
//! and are not CAs.
//!
//! Directories left behind by earlier test processes that no longer run are removed when a new
//! PKI is generated.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Prefix of the per-process directories under the system temp dir.
const DIR_PREFIX: &str = "lucid-interop-";

/// One of the generated leaf certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Leaf {
    /// RSA-2048 server certificate for localhost / 127.0.0.1.
    ServerRsa,
    /// ECDSA P-256 server certificate for localhost / 127.0.0.1.
    ServerEc,
    /// Ed25519 server certificate for localhost / 127.0.0.1.
    ServerEd,
    /// RSA-2048 client certificate (`CN=test client`).
    Client,
    /// ECDSA P-256 server certificate for localhost that expired on 2021-01-01.
    Expired,
    /// ECDSA P-256 server certificate valid only for `wrong.example`.
    WrongName,
    /// ECDSA P-256 client certificate (`CN=untrusted client`) issued by the untrusted CA: a
    /// client certificate from an unknown CA.
    UntrustedClient,
}

impl Leaf {
    /// Every leaf.
    pub const ALL: [Leaf; 7] = [
        Leaf::ServerRsa,
        Leaf::ServerEc,
        Leaf::ServerEd,
        Leaf::Client,
        Leaf::Expired,
        Leaf::WrongName,
        Leaf::UntrustedClient,
    ];

    /// The file stem (`server`, `server-ec`, ...).
    pub fn stem(self) -> &'static str {
        match self {
            Leaf::ServerRsa => "server",
            Leaf::ServerEc => "server-ec",
            Leaf::ServerEd => "server-ed",
            Leaf::Client => "client",
            Leaf::Expired => "server-expired",
            Leaf::WrongName => "server-wrong-name",
            Leaf::UntrustedClient => "client-untrusted",
        }
    }

    /// The subject common name.
    pub fn common_name(self) -> &'static str {
        match self {
            Leaf::Client => "test client",
            Leaf::WrongName => "wrong.example",
            Leaf::UntrustedClient => "untrusted client",
            _ => "localhost",
        }
    }

    fn key_args(self) -> &'static [&'static str] {
        match self {
            Leaf::ServerRsa | Leaf::Client => RSA_2048,
            Leaf::ServerEc | Leaf::Expired | Leaf::WrongName | Leaf::UntrustedClient => EC_P256,
            Leaf::ServerEd => &["-newkey", "ed25519"],
        }
    }

    fn extensions(self) -> String {
        let san = match self {
            Leaf::WrongName => "DNS:wrong.example",
            _ => "DNS:localhost,IP:127.0.0.1",
        };
        let key_usage = match self {
            Leaf::ServerRsa | Leaf::Client => "digitalSignature,keyEncipherment",
            _ => "digitalSignature",
        };
        format!(
            "subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\n\
             extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,{key_usage}\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
        )
    }
}

/// A certificate and its private key.
#[derive(Clone, Debug)]
pub struct LeafFiles {
    /// The certificate (PEM, leaf only; the CA is `Pki::ca_cert`).
    pub cert: PathBuf,
    /// The private key (PEM, PKCS#8, unencrypted).
    pub key: PathBuf,
}

/// The generated PKI; see the module docs for its contents.
#[derive(Debug)]
pub struct Pki {
    dir: PathBuf,
}

/// The PKI of this test process, generated on first use (about half a second). Panics with the
/// `openssl` output if generation fails.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let started = std::time::Instant::now();
        let pki = Pki::generate().unwrap_or_else(|e| panic!("cannot generate the test PKI: {e}"));
        eprintln!(
            "test PKI generated in {} ({:.2?})",
            pki.dir.display(),
            started.elapsed()
        );
        pki
    })
}

impl Pki {
    /// The directory holding all files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (the trust anchor to give clients).
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The CA private key.
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    /// The second CA, which issued [`Leaf::UntrustedClient`] and which no test trusts.
    pub fn untrusted_ca_cert(&self) -> PathBuf {
        self.dir.join("untrusted-ca.pem")
    }

    /// A leaf certificate and its key.
    pub fn leaf(&self, leaf: Leaf) -> LeafFiles {
        LeafFiles {
            cert: self.dir.join(format!("{}.pem", leaf.stem())),
            key: self.dir.join(format!("{}.key", leaf.stem())),
        }
    }

    /// A fresh, unused path inside the PKI directory (for log files and the like).
    pub fn scratch_path(&self, name: &str) -> PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        self.dir.join(format!("scratch-{n}-{name}"))
    }

    /// Generates a new PKI into a new directory.
    pub fn generate() -> Result<Pki, String> {
        let base = std::env::temp_dir();
        remove_stale_dirs(&base);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!("{DIR_PREFIX}{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let pki = Pki { dir };
        pki.generate_ca()?;
        pki.generate_untrusted_ca()?;
        // Leaves are independent of each other: generate them in parallel.
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = Leaf::ALL
                .iter()
                .enumerate()
                .map(|(index, &leaf)| {
                    let pki = &pki;
                    scope.spawn(move || pki.generate_leaf(leaf, index as u32 + 2))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|_| Err("leaf generation panicked".into()))
                })
                .collect()
        });
        for result in results {
            result?;
        }
        Ok(pki)
    }

    fn generate_ca(&self) -> Result<(), String> {
        make_ca(&self.dir, "ca", "lucid interop test CA", RSA_2048)
    }

    fn generate_untrusted_ca(&self) -> Result<(), String> {
        make_ca(
            &self.dir,
            "untrusted-ca",
            "lucid interop untrusted CA",
            EC_P256,
        )
    }

    fn generate_leaf(&self, leaf: Leaf, serial: u32) -> Result<(), String> {
        let stem = leaf.stem();
        let (csr, cert, ext) = (
            format!("{stem}.csr"),
            format!("{stem}.pem"),
            format!("{stem}.ext"),
        );
        write(&self.dir.join(&ext), &leaf.extensions())?;
        make_request(&self.dir, stem, leaf.common_name(), leaf.key_args())?;
        let serial = serial.to_string();
        if leaf == Leaf::Expired {
            // `openssl x509 -req` (3.0) cannot set dates in the past; `openssl ca` can.
            let db = format!("{stem}-ca");
            std::fs::create_dir_all(self.dir.join(&db)).map_err(|e| format!("create {db}: {e}"))?;
            write(&self.dir.join(&db).join("index.txt"), "")?;
            write(
                &self.dir.join(&db).join("serial"),
                &format!("{serial:0>2}\n"),
            )?;
            let config = format!(
                "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = {db}/index.txt\n\
                 new_certs_dir = {db}\nserial = {db}/serial\ndefault_md = sha256\n\
                 policy = any\nunique_subject = no\ncopy_extensions = none\n\
                 [any]\ncommonName = supplied\n[leaf_ext]\n{}",
                leaf.extensions()
            );
            let config_file = format!("{stem}-ca.cnf");
            write(&self.dir.join(&config_file), &config)?;
            openssl_in(
                &self.dir,
                &[
                    "ca",
                    "-batch",
                    "-config",
                    &config_file,
                    "-cert",
                    "ca.pem",
                    "-keyfile",
                    "ca.key",
                    "-in",
                    &csr,
                    "-out",
                    &cert,
                    "-startdate",
                    "20200101000000Z",
                    "-enddate",
                    "20210101000000Z",
                    "-extensions",
                    "leaf_ext",
                    "-notext",
                ],
            )
        } else {
            let (ca, ca_key) = if leaf == Leaf::UntrustedClient {
                ("untrusted-ca.pem", "untrusted-ca.key")
            } else {
                ("ca.pem", "ca.key")
            };
            openssl_in(
                &self.dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    ca,
                    "-CAkey",
                    ca_key,
                    "-set_serial",
                    &serial,
                    "-out",
                    &cert,
                    "-days",
                    "825",
                    "-sha256",
                    "-extfile",
                    &ext,
                ],
            )
        }
    }
}

/// `openssl req` arguments for a new RSA-2048 key.
pub const RSA_2048: &[&str] = &["-newkey", "rsa:2048"];

/// `openssl req` arguments for a new ECDSA P-256 key.
pub const EC_P256: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

/// Makes a self-signed CA in `dir` with `openssl req -x509`: `STEM.pem` and its unencrypted
/// key `STEM.key`, subject `CN=common_name`, valid ten years, `basicConstraints` CA:TRUE and
/// `keyUsage` keyCertSign, cRLSign. `key_args` choose the key ([`RSA_2048`], [`EC_P256`]).
pub fn make_ca(dir: &Path, stem: &str, common_name: &str, key_args: &[&str]) -> Result<(), String> {
    let (key, cert, subject) = (
        format!("{stem}.key"),
        format!("{stem}.pem"),
        format!("/CN={common_name}"),
    );
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(key_args);
    args.extend([
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &cert,
        "-days",
        "3650",
        "-subj",
        &subject,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl_in(dir, &args)
}

/// Makes a new key `STEM.key` and a certificate request `STEM.csr` for `CN=common_name` in
/// `dir` with `openssl req`, for a CA of the caller's to sign.
pub fn make_request(
    dir: &Path,
    stem: &str,
    common_name: &str,
    key_args: &[&str],
) -> Result<(), String> {
    let (key, csr, subject) = (
        format!("{stem}.key"),
        format!("{stem}.csr"),
        format!("/CN={common_name}"),
    );
    let mut args = vec![
        "req", "-nodes", "-keyout", &key, "-out", &csr, "-subj", &subject,
    ];
    args.extend_from_slice(key_args);
    openssl_in(dir, &args)
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Runs `openssl ARGS` in `dir` (stdin empty) for tests that make their own certificates;
/// an error carries the command and its output.
pub fn openssl_in(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run openssl (is it installed?): {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {} failed with {}:\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Removes `lucid-interop-<pid>-*` directories whose process no longer exists (Linux only; a
/// no-op without `/proc`).
fn remove_stale_dirs(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x509_text(cert: &Path) -> String {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(cert)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn verify(cert: &Path, extra: &[&str]) -> (bool, String) {
        let pki = pki();
        let out = Command::new("openssl")
            .arg("verify")
            .args(extra)
            .arg("-CAfile")
            .arg(pki.ca_cert())
            .arg(cert)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    #[test]
    fn leaves_have_expected_keys_and_names() {
        let pki = pki();
        let text = x509_text(&pki.leaf(Leaf::ServerRsa).cert);
        assert!(
            text.contains("rsaEncryption") && text.contains("2048 bit"),
            "{text}"
        );
        assert!(
            text.contains("DNS:localhost, IP Address:127.0.0.1"),
            "{text}"
        );
        let text = x509_text(&pki.leaf(Leaf::ServerEc).cert);
        assert!(
            text.contains("id-ecPublicKey") && text.contains("P-256"),
            "{text}"
        );
        let text = x509_text(&pki.leaf(Leaf::ServerEd).cert);
        assert!(text.contains("ED25519"), "{text}");
        let text = x509_text(&pki.leaf(Leaf::WrongName).cert);
        assert!(
            text.contains("DNS:wrong.example") && !text.contains("localhost"),
            "{text}"
        );
        let text = x509_text(&pki.leaf(Leaf::Expired).cert);
        assert!(
            text.contains("Not After : Jan  1 00:00:00 2021 GMT"),
            "{text}"
        );
    }

    #[test]
    fn leaves_verify_against_the_ca() {
        let pki = pki();
        for leaf in [
            Leaf::ServerRsa,
            Leaf::ServerEc,
            Leaf::ServerEd,
            Leaf::Client,
        ] {
            let (ok, text) = verify(&pki.leaf(leaf).cert, &[]);
            assert!(ok, "{leaf:?}: {text}");
        }
        for leaf in [Leaf::ServerRsa, Leaf::ServerEc, Leaf::ServerEd] {
            let (ok, text) = verify(&pki.leaf(leaf).cert, &["-verify_hostname", "localhost"]);
            assert!(ok, "{leaf:?}: {text}");
        }
        let (ok, text) = verify(&pki.leaf(Leaf::Expired).cert, &[]);
        assert!(!ok && text.contains("expired"), "{text}");
        // The untrusted client chains to its own CA only.
        let (ok, text) = verify(&pki.leaf(Leaf::UntrustedClient).cert, &[]);
        assert!(!ok, "{text}");
        let out = Command::new("openssl")
            .args(["verify", "-purpose", "sslclient", "-CAfile"])
            .arg(pki.untrusted_ca_cert())
            .arg(pki.leaf(Leaf::UntrustedClient).cert)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let (ok, text) = verify(
            &pki.leaf(Leaf::WrongName).cert,
            &["-verify_hostname", "localhost"],
        );
        assert!(!ok && text.contains("mismatch"), "{text}");
        let (ok, text) = verify(
            &pki.leaf(Leaf::WrongName).cert,
            &["-verify_hostname", "wrong.example"],
        );
        assert!(ok, "{text}");
    }

    #[test]
    fn scratch_paths_are_unique() {
        let pki = pki();
        assert_ne!(pki.scratch_path("a"), pki.scratch_path("a"));
    }
}
