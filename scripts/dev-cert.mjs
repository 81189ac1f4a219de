// A self-signed certificate for https://localhost and https://127.0.0.1 (development
// and tests), made with openssl, plus what Chromium needs to trust it.
//
//   node scripts/dev-cert.mjs [dir]     (default .tmp/tls; reuses a certificate already there)
//
// Chromium registers device-bound sessions only over a *trusted* connection;
// --ignore-certificate-errors is not enough. Trusting this one key is:
// --ignore-certificate-errors-spki-list=<the SPKI hash this prints>.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo (DER). */
export function spkiHash(certFile) {
  const publicKey = execFileSync("openssl", ["x509", "-in", certFile, "-pubkey", "-noout"]);
  const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: publicKey });
  return execFileSync("openssl", ["dgst", "-sha256", "-binary"], { input: der }).toString("base64");
}

function generate(dir) {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "365",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
}

export function makeDevCertificate(dir = ".tmp/tls") {
  const certFile = path.resolve(dir, "cert.pem");
  const keyFile = path.resolve(dir, "key.pem");
  if (!existsSync(certFile)) {
    // Test runners may ask for it at the same moment: each makes a pair in a directory
    // of its own and the first rename wins, so a key never meets another's certificate.
    mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
    const scratch = mkdtempSync(`${path.resolve(dir)}-`);
    generate(scratch);
    try {
      renameSync(scratch, path.resolve(dir));
    } catch {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { certFile, keyFile, spki: spkiHash(certFile) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { certFile, keyFile, spki } = makeDevCertificate(process.argv[2]);
  console.log(`TLS_CERT_FILE=${certFile}`);
  console.log(`TLS_KEY_FILE=${keyFile}`);
  console.log(`SPKI hash: ${spki}`);
  console.log(
    "Chromium with device-bound sessions (software keys, for testing only):\n" +
      "  chromium --enable-features=DeviceBoundSessions,EnableBoundSessionCredentialsSoftwareKeysForManualTesting \\\n" +
      `    --ignore-certificate-errors-spki-list=${spki} https://localhost:3000/login`,
  );
}
