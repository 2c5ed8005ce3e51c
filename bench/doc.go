// Package bench holds the suite's go test benchmarks: what TLS itself
// costs, with crypto/tls alone (BenchmarkHandshake, BenchmarkRecord), and
// what a whole RPC costs with go-micro (BenchmarkRPC) and without it, over
// plain crypto/tls with the same configurations (BenchmarkRawRPC), so that
// the cost of TLS and the cost of the framework can be told apart.
//
// BenchmarkRPC and BenchmarkRawRPC make one echo call per iteration, one at
// a time, named transport=plaintext|tls|mtls/resume=on|off/pool=on|off/
// size=<n>, and report handshakes/op (full handshakes), resumed/op, dials/op
// and the p50-ns and p99-ns latency percentiles.
//
// BenchmarkHandshake makes complete connections, one per iteration, over
// an in-memory pipe: both handshakes, then a one-byte echo. Its
// sub-benchmarks are named
//
//	tls=1.2|1.3/auth=server|mutual/key=<key type>/chain=leaf|intermediate/
//	group=x25519|p256|x25519mlkem768/resume=on|off
//
// They vary one of these at a time around tls=1.3, auth=mutual,
// key=ecdsa-p256, chain=leaf, group=x25519, resume=off, plus some
// crossings (resumption with each TLS version, both auth modes with every
// key type); the full cross product would take too long. Besides ns/op for
// the whole exchange, each reports server-ns/op, the time the server
// spent in its Handshake call less the time it waited for the client;
// resumed/op, the fraction of connections that resumed; and handshakes/op.
// TLS 1.2 cases use the ECDHE AES-128-GCM suite that matches the key;
// TLS 1.3 uses the suite crypto/tls picks.
//
// BenchmarkRecord echoes 64 B, 1 KiB, 16 KiB and 1 MiB over an established
// connection on loopback TCP: the client writes the bytes, the server
// sends them back, and the client reads them all. MB/s counts the bytes
// once, though each crosses the connection twice. Its sub-benchmarks are
// named tls=1.2|1.3/suite=<cipher suite>/key=ecdsa-p256|rsa-2048/size=<n>.
// TLS 1.2 is measured with the ECDHE AES-128-GCM, AES-256-GCM and
// ChaCha20-Poly1305 suites; crypto/tls does not let a caller choose TLS 1.3
// suites, so the TLS 1.3 cases are named after whichever suite the
// handshake negotiated on this machine.
//
// Certificates come from package loadgen/pki and are made once per test
// binary. Clients always verify the server against the test root and the
// name "localhost"; with auth=mutual the server requires and verifies a
// client certificate. The tests in this package run every benchmark
// case once and check that the connection has the parameters its name
// claims. They assert nothing about timing.
//
// To run the benchmarks and compare key types:
//
//	go test -run '^$' -bench . -count 6 ./bench | tee out.txt
//	go tool benchstat -col /key out.txt
//
// Other columns work the same way, for example -col /resume, -col /group
// or -col /auth; add -filter '/tls:1.3' to narrow the rows.
package bench
