// The conformance project's set-up: the Node binaries its Node hosts run on (test/hosts/node-versions.ts),
// and one certificate for the hosts over TLS (hosts.ts, `overTls`). The test workers are forked after
// this runs, so they inherit the environment: SLUICE_TLS_CERT/KEY for the hosts they start, and
// NODE_EXTRA_CA_CERTS, so their fetch and tls.connect trust the certificate as a real client trusts a CA's.
import { selfSigned, type Certificate } from "../_support/certificate.ts";
import { fetchNodeBinaries } from "../hosts/node-versions.ts";

let certificate: Certificate | undefined;

export function setup(): void {
  fetchNodeBinaries();
  certificate = selfSigned();
  process.env.SLUICE_TLS_CERT = certificate.certPath;
  process.env.SLUICE_TLS_KEY = certificate.keyPath;
  process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
}

export function teardown(): void {
  certificate?.remove();
}
