//! Certificate revocation with CRLs made by `openssl ca`, in TLS 1.3 and TLS 1.2.
//!
//! A CA (`openssl req -x509`) issues four leaves with `openssl ca`; two are revoked
//! (`openssl ca -revoke -crl_reason keyCompromise`) and `openssl ca -gencrl` writes the
//! CRL (v2, with a CRL number and an authority key identifier).
//! - `lucid connect --crl crl.pem` against `openssl s_server` with the revoked server
//!   certificate fails with a clear certificate-revoked error (serial, CRL, reason), and
//!   s_server reports alert 44 (certificate_revoked); with the unrevoked one it works and
//!   `-v` shows the revocation check naming the CRL;
//! - `openssl s_client -cert revoked-client.pem` against `lucid serve --client-auth
//!   required --crl crl.pem` gets alert 44 and lucid logs why; the unrevoked client
//!   certificate is accepted.
//!
//! ```text
//! cargo build --release -p lucid && cargo test --release -p interop --test revocation_openssl
//! ```

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use interop::lucid::{lucid_connect_base, lucid_serve_peer};
use interop::peers::{openssl_rev, openssl_s_client_base, openssl_s_server_base};
use interop::pki::{make_ca, make_request, openssl_in, EC_P256};
use interop::{ensure, pki, run, run_cases, tools, Peer, Ready, RunSpec, Version};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
const LOG_WAIT: Duration = Duration::from_secs(5);
const THREADS: usize = 2;
const CA_NAME: &str = "lucid revocation test CA";

/// The `openssl ca` configuration: a database in the directory, v2 CRLs (crlnumber and
/// an authority key identifier), leaves for localhost usable by servers and clients.
const CA_CONFIG: &str = "\
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
crlnumber = crlnumber
default_md = sha256
default_days = 365
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
crl_extensions = crl_ext
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ crl_ext ]
authorityKeyIdentifier = keyid:always
";

/// The leaves, in the order `openssl ca` numbers them (serials 1000, 1001, ...).
const LEAVES: [&str; 4] = [
    "revoked-server",
    "good-server",
    "revoked-client",
    "good-client",
];

/// The CA, leaves and CRL, made once per test process.
struct RevocationPki {
    dir: PathBuf,
}

impl RevocationPki {
    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    fn crl(&self) -> PathBuf {
        self.dir.join("crl.pem")
    }
    fn cert(&self, leaf: &str) -> PathBuf {
        self.dir.join(format!("{leaf}.pem"))
    }
    fn key(&self, leaf: &str) -> PathBuf {
        self.dir.join(format!("{leaf}.key"))
    }
    /// The serial `openssl ca` gave `leaf`, as lucid prints it (`10:00`).
    fn serial(leaf: &str) -> &'static str {
        match LEAVES.iter().position(|l| *l == leaf) {
            Some(0) => "10:00",
            Some(1) => "10:01",
            Some(2) => "10:02",
            _ => "10:03",
        }
    }
}

fn generate() -> Result<RevocationPki, String> {
    let dir = pki().scratch_path("revocation");
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("write {name}: {e}"))
    };
    write("ca.cnf", CA_CONFIG)?;
    write("index.txt", "")?;
    write("serial", "1000\n")?;
    write("crlnumber", "01\n")?;
    make_ca(&dir, "ca", CA_NAME, EC_P256)?;
    // `openssl ca` with this CA's configuration, plus `args`.
    let ca = |args: &[&str]| {
        let mut all = vec![
            "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
        ];
        all.extend_from_slice(args);
        openssl_in(&dir, &all)
    };
    for leaf in LEAVES {
        make_request(&dir, leaf, leaf, EC_P256)?;
        let (csr, pem) = (format!("{leaf}.csr"), format!("{leaf}.pem"));
        ca(&["-extensions", "leaf", "-notext", "-in", &csr, "-out", &pem])?;
    }
    for leaf in ["revoked-server", "revoked-client"] {
        ca(&[
            "-revoke",
            &format!("{leaf}.pem"),
            "-crl_reason",
            "keyCompromise",
        ])?;
    }
    ca(&["-gencrl", "-out", "crl.pem"])?;
    Ok(RevocationPki { dir })
}

fn revocation_pki() -> &'static RevocationPki {
    static PKI: OnceLock<RevocationPki> = OnceLock::new();
    PKI.get_or_init(|| generate().unwrap_or_else(|e| panic!("cannot make the CA and CRL: {e}")))
}

#[derive(Clone, Copy, Debug)]
struct Case {
    version: Version,
    /// Whether the peer's certificate is the revoked one.
    revoked: bool,
}

fn label(side: &str, case: &Case) -> String {
    format!(
        "{side}, {:?}, {} certificate",
        case.version,
        if case.revoked { "revoked" } else { "unrevoked" }
    )
}

fn cases() -> Vec<Case> {
    Version::ALL
        .iter()
        .flat_map(|&version| {
            [true, false]
                .into_iter()
                .map(move |revoked| Case { version, revoked })
        })
        .collect()
}

/// `openssl s_server` with the revoked or the good server certificate, echoing reversed.
fn openssl_server(case: &Case) -> Peer {
    let rp = revocation_pki();
    let leaf = if case.revoked {
        "revoked-server"
    } else {
        "good-server"
    };
    Peer::spawn(
        "openssl s_server",
        |port| {
            let mut command = openssl_s_server_base(port, &rp.cert(leaf), &rp.key(leaf));
            command.args(["-rev", case.version.openssl()]);
            command
        },
        Ready::ListeningAndPrinted("ACCEPT".into()),
    )
}

fn check_lucid_client(case: &Case) -> Result<(), String> {
    let rp = revocation_pki();
    let server = openssl_server(case);
    let line = format!("revocation {:?}\n", case.version);
    let mut command = lucid_connect_base(server.port(), &rp.ca());
    command
        .arg("-v")
        .arg("--crl")
        .arg(rp.crl())
        .arg(case.version.lucid());
    let out = run(
        &mut command,
        RunSpec::new(line.clone()).timeout(CLIENT_TIMEOUT),
    );
    let context = || format!("{}\n{}", out.describe(), server.describe());
    let stderr = out.stderr_text();
    if case.revoked {
        let expected = format!(
            "error: certificate check failed: revocation: the server certificate \
             CN=revoked-server (serial {}) is revoked: listed in the CRL from CN={CA_NAME}",
            RevocationPki::serial("revoked-server")
        );
        ensure(out.failed_cleanly() && stderr.contains(&expected), || {
            format!("lucid connect should fail with `{expected}`\n{}", context())
        })?;
        ensure(stderr.contains("reason keyCompromise"), || {
            format!("the error should give the reason\n{}", context())
        })?;
        ensure(!out.stdout_text().contains(&openssl_rev(&line)), || {
            format!("data flowed to a revoked server\n{}", context())
        })?;
        // The alert went on the wire: OpenSSL names it.
        let shown = "SSL alert number 44";
        ensure(server.wait_for_output(shown, LOG_WAIT), || {
            format!("s_server did not report `{shown}`\n{}", context())
        })
    } else {
        ensure(
            out.success() && out.stdout_text().contains(&openssl_rev(&line)),
            || format!("the connection should work\n{}", context()),
        )?;
        let report = format!(
            "certificate check, revocation: passed (the server certificate CN=good-server \
             (serial {}) not revoked per the CRL from CN={CA_NAME} (thisUpdate ",
            RevocationPki::serial("good-server")
        );
        ensure(stderr.contains(&report), || {
            format!("lucid -v should show `{report}`\n{}", context())
        })
    }
}

fn check_lucid_server(case: &Case) -> Result<(), String> {
    let rp = revocation_pki();
    let leaf = if case.revoked {
        "revoked-client"
    } else {
        "good-client"
    };
    let (ca, crl) = (rp.ca(), rp.crl());
    let server = lucid_serve_peer(
        &rp.cert("good-server"),
        &rp.key("good-server"),
        &[
            "--client-auth".as_ref(),
            "required".as_ref(),
            "--client-ca".as_ref(),
            ca.as_os_str(),
            "--crl".as_ref(),
            crl.as_os_str(),
            case.version.lucid().as_ref(),
        ],
    );
    let line = format!("revocation client {:?}\n", case.version);
    let mut client = openssl_s_client_base(server.port(), &rp.ca());
    client
        .args(["-brief", "-no_ign_eof", "-nocommands"])
        .arg("-cert")
        .arg(rp.cert(leaf))
        .arg("-key")
        .arg(rp.key(leaf))
        .arg(case.version.openssl());
    let out = run(&mut client, RunSpec::echo(&line).timeout(CLIENT_TIMEOUT));
    let context = || format!("{}\n{}", out.describe(), server.describe());
    if case.revoked {
        let shown = "SSL alert number 44";
        ensure(
            out.failed_cleanly() && out.stderr_text().contains(shown),
            || format!("s_client should fail reporting `{shown}`\n{}", context()),
        )?;
        ensure(!out.stdout_text().contains(&line), || {
            format!("data flowed although the client was refused\n{}", context())
        })?;
        let log = format!(
            "revocation: the client certificate CN=revoked-client (serial {}) is revoked",
            RevocationPki::serial("revoked-client")
        );
        ensure(server.wait_for_output(&log, LOG_WAIT), || {
            format!("lucid did not log `{log}`\n{}", context())
        })
    } else {
        ensure(out.success() && out.stdout_text().contains(&line), || {
            format!("the connection should work\n{}", context())
        })?;
        let identity = "client identity: verified (CN=good-client)";
        ensure(server.wait_for_output(identity, LOG_WAIT), || {
            format!("lucid did not log `{identity}`\n{}", context())
        })
    }
}

/// Runs `check` for every [`Case`] (each version, revoked and unrevoked), labelled with
/// `side`; `test` names the test when openssl is missing.
fn run_matrix(test: &str, side: &str, check: fn(&Case) -> Result<(), String>) {
    if !tools::require(&["openssl"], &format!("revocation {test}")) {
        return;
    }
    run_cases(&cases(), THREADS, |c| label(side, c), check);
}

/// lucid connect --crl -> openssl s_server, revoked and unrevoked server certificates.
#[test]
fn lucid_client_checks_openssl_server_against_crl() {
    run_matrix(
        "lucid_client_checks_openssl_server_against_crl",
        "lucid connect --crl -> openssl s_server",
        check_lucid_client,
    );
}

/// openssl s_client -cert ... -> lucid serve --client-auth required --crl, revoked and
/// unrevoked client certificates.
#[test]
fn lucid_server_checks_openssl_client_against_crl() {
    run_matrix(
        "lucid_server_checks_openssl_client_against_crl",
        "openssl s_client -> lucid serve --crl",
        check_lucid_server,
    );
}
