package attrib

import (
	"testing"

	"github.com/google/pprof/profile"
)

// Stacks seen in profiles of crypto/tls and go-micro, leaf first, with
// the category each belongs in.
var stackCases = []struct {
	name  string
	stack []string
	want  Category
}{
	{"chain check, in x509 under tls", []string{
		"crypto/internal/fips140/nistec.p256OrdInverse",
		"crypto/internal/fips140/ecdsa.verifyGeneric[...]",
		"crypto/ecdsa.VerifyASN1",
		"crypto/x509.checkSignature",
		"crypto/x509.(*Certificate).CheckSignatureFrom",
		"crypto/x509.(*Certificate).buildChains",
		"crypto/x509.(*Certificate).Verify",
		"crypto/tls.(*Conn).processCertsFromClient",
		"crypto/tls.(*serverHandshakeStateTLS13).readClientCertificate",
	}, Certificates},
	{"hashing in a chain check", []string{
		"crypto/internal/fips140/sha256.blockAMD64",
		"crypto/x509.(*Certificate).CheckSignatureFrom",
	}, Certificates},
	{"parsing the server's certificate", []string{
		"crypto/internal/fips140/nistec.p256Sqrt",
		"crypto/ecdsa.ParseUncompressedPublicKey",
		"crypto/x509.parsePublicKey",
		"crypto/x509.ParseCertificate",
		"crypto/tls.(*certCache).newCert",
		"crypto/tls.(*Conn).verifyServerCertificate",
	}, Certificates},
	{"CertificateVerify check", []string{
		"crypto/internal/fips140/nistec.p256Mul",
		"crypto/internal/fips140/ecdsa.verifyGeneric[...]",
		"crypto/ecdsa.VerifyASN1",
		"crypto/tls.verifyHandshakeSignature",
		"crypto/tls.(*serverHandshakeStateTLS13).readClientCertificate",
	}, Signatures},
	{"signing", []string{
		"crypto/internal/fips140/nistec.(*P256Point).ScalarBaseMult",
		"crypto/internal/fips140/ecdsa.sign[...]",
		"crypto/ecdsa.(*PrivateKey).Sign",
		"crypto/tls.(*serverHandshakeStateTLS13).sendServerCertificate",
	}, Signatures},
	{"hashing inside signing", []string{
		"crypto/internal/fips140/sha512.blockAMD64",
		"crypto/internal/fips140/hmac.(*HMAC).Sum",
		"crypto/internal/fips140/ecdsa.signWithRandom[...]",
	}, Signatures},
	{"allocating inside a signature check", []string{
		"runtime.mallocgc",
		"crypto/internal/fips140/bigmod.NewNat",
		"crypto/internal/fips140/ecdsa.verifyGeneric[...]",
		"crypto/ecdsa.VerifyASN1",
	}, Signatures},
	{"RSA", []string{"crypto/internal/fips140/bigmod.addMulVVW2048",
		"crypto/internal/fips140/rsa.decrypt", "crypto/rsa.SignPSS"}, Signatures},
	{"Ed25519", []string{"crypto/internal/fips140/edwards25519/field.feMul",
		"crypto/ed25519.Verify"}, Signatures},
	{"P-256 ECDH", []string{
		"crypto/internal/fips140/nistec.(*P256Point).ScalarMult",
		"crypto/internal/fips140/ecdh.ecdh[...]",
		"crypto/ecdh.(*nistCurve).ecdh",
		"crypto/tls.(*ecdhKeyExchange).clientSharedSecret",
	}, KeyExchange},
	{"X25519", []string{
		"crypto/internal/fips140/edwards25519/field.feSquareGeneric",
		"crypto/ecdh.x25519ScalarMult",
		"crypto/ecdh.(*x25519Curve).ecdh",
	}, KeyExchange},
	{"ML-KEM, hashing with SHA-3", []string{
		"crypto/internal/fips140/sha3.keccakF1600",
		"crypto/internal/fips140/mlkem.kemEncaps",
		"crypto/mlkem.(*EncapsulationKey768).Encapsulate",
		"crypto/tls.(*hybridKeyExchange).serverSharedSecret",
	}, KeyExchange},
	{"TLS 1.3 key schedule", []string{
		"crypto/internal/fips140/sha256.blockAMD64",
		"crypto/internal/fips140/hmac.(*HMAC).Sum",
		"crypto/internal/fips140/hkdf.Expand[...]",
		"crypto/internal/fips140/tls13.ExpandLabel[...]",
		"crypto/tls.(*clientHandshakeStateTLS13).establishHandshakeKeys",
	}, KeyExchange},
	{"field arithmetic with no known caller", []string{
		"crypto/internal/fips140/nistec.p256Mul",
	}, Other},
	{"session ticket", []string{
		"crypto/internal/fips140/aes.encryptBlockAsm",
		"crypto/cipher.(*ctr).XORKeyStream",
		"crypto/tls.(*Config).encryptTicket",
		"crypto/tls.(*Conn).sendSessionTicket",
	}, TLS},
	{"AES-GCM seal", []string{
		"crypto/internal/fips140/aes/gcm.gcmAesEnc",
		"crypto/internal/fips140/aes/gcm.seal",
		"crypto/tls.(*xorNonceAEAD).Seal",
		"crypto/tls.(*halfConn).encrypt",
		"crypto/tls.(*Conn).writeRecordLocked",
	}, Record},
	{"record decryption", []string{"crypto/tls.(*halfConn).decrypt",
		"crypto/tls.(*Conn).readRecordOrCCS"}, Record},
	{"ChaCha20-Poly1305", []string{
		"vendor/golang.org/x/crypto/chacha20poly1305.(*chacha20poly1305).open",
	}, Record},
	{"transcript hash", []string{
		"crypto/internal/fips140/sha256.blockAMD64",
		"crypto/internal/fips140/sha256.(*Digest).Write",
		"crypto/tls.transcriptMsg",
		"crypto/tls.(*Conn).readHandshake",
	}, Hashing},
	{"Finished MAC", []string{
		"crypto/internal/fips140/hmac.(*HMAC).Sum",
		"crypto/tls.(*cipherSuiteTLS13).finishedHash",
	}, Hashing},
	{"write system call under TLS and net/http", []string{
		"internal/runtime/syscall/linux.Syscall6",
		"syscall.Syscall",
		"internal/poll.(*FD).Write",
		"net.(*conn).Write",
		"crypto/tls.(*Conn).write",
		"crypto/tls.(*Conn).writeRecordLocked",
		"bufio.(*Writer).Flush",
		"net/http.(*persistConn).writeLoop",
	}, Network},
	{"read system call under go-micro", []string{
		"syscall.read",
		"net.(*conn).Read",
		"github.com/micro/go-micro/v2/transport.(*httpTransportSocket).Recv",
	}, Network},
	{"the scheduler polling the network", []string{
		"runtime.netpoll", "runtime.findRunnable", "runtime.schedule",
		"runtime.park_m", "runtime.mcall",
	}, Network},
	{"the scheduler going to sleep", []string{
		"runtime.futex", "runtime.notesleep", "runtime.stopm",
		"runtime.findRunnable", "runtime.schedule",
	}, Runtime},
	{"GC worker", []string{
		"runtime.scanobject", "runtime.gcDrain", "runtime.systemstack",
		"runtime.gcBgMarkWorker",
	}, Runtime},
	{"allocation in go-micro", []string{
		"runtime.nextFreeFast", "runtime.mallocgc", "runtime.makeslice",
		"github.com/micro/go-micro/v2/codec/bytes.(*Codec).ReadBody",
	}, Runtime},
	{"allocation in a handshake message", []string{
		"runtime.mallocgc", "crypto/tls.(*certificateMsgTLS13).marshal",
	}, Runtime},
	{"unwalkable stack", []string{"runtime._System"}, Runtime},
	{"parsing a handshake message", []string{
		"vendor/golang.org/x/crypto/cryptobyte.(*String).ReadUint16LengthPrefixed",
		"crypto/tls.(*clientHelloMsg).unmarshal",
		"crypto/tls.(*Conn).readHandshake",
		"crypto/tls.(*Conn).Read",
		"bufio.(*Reader).fill",
		"net/http.ReadRequest",
		"github.com/micro/go-micro/v2/transport.(*httpTransportSocket).Recv",
	}, TLS},
	{"copying in net/http", []string{
		"runtime.memmove", "bufio.(*Reader).Read", "net/http.ReadRequest",
	}, Micro},
	{"codec", []string{
		"encoding/json.(*encodeState).marshal",
		"github.com/micro/go-micro/v2/codec/json.(*Codec).Write",
	}, Micro},
	{"echo handler", []string{
		"github.com/mtlsbench/gomicro-mtls/loadgen/echo.(*Handler).Call",
	}, Micro},
	{"race detector", []string{
		"_ZN6__tsan18MemoryAccessRangeTILb1EEEvPNS_11ThreadStateEmmm", "runtime._System",
	}, Other},
	{"race detector called from TLS", []string{
		"racecalladdr", "vendor/golang.org/x/crypto/cryptobyte.(*Builder).add",
		"crypto/tls.(*clientHelloMsg).marshalMsg",
	}, TLS},
	{"load generator", []string{
		"github.com/HdrHistogram/hdrhistogram-go.(*Histogram).RecordValue",
		"github.com/mtlsbench/gomicro-mtls/loadgen/load.Run.func1",
		"runtime.goexit",
	}, Other},
}

func TestRules(t *testing.T) {
	for _, c := range stackCases {
		t.Run(c.name, func(t *testing.T) {
			b := newBuilder()
			b.add(3, c.stack...)
			got, err := Categorize(b.p)
			if err != nil {
				t.Fatal(err)
			}
			want := 3 * b.p.Period
			if got.CPU[c.want] != want {
				t.Errorf("stack %q: got %s, want all %d ns in %s",
					c.stack, describe(got), want, c.want)
			}
		})
	}
}

func TestEveryCategoryIsTested(t *testing.T) {
	var seen [NumCategories]bool
	for _, c := range stackCases {
		seen[c.want] = true
	}
	for c := range NumCategories {
		if !seen[c] {
			t.Errorf("no stack case lands in %s", c)
		}
	}
}

func TestInlinedFunctionsCount(t *testing.T) {
	b := newBuilder()
	// ecdsa.VerifyASN1 had the field arithmetic inlined into it: one
	// location, two lines, innermost first.
	loc := b.location("crypto/internal/fips140/nistec.p256Mul", "crypto/ecdsa.VerifyASN1")
	b.p.Sample = append(b.p.Sample, &profile.Sample{
		Value:    []int64{1, b.p.Period},
		Location: []*profile.Location{loc, b.location("main.main")},
	})
	got, err := Categorize(b.p)
	if err != nil {
		t.Fatal(err)
	}
	if got.CPU[Signatures] != b.p.Period {
		t.Errorf("got %s, want the sample in %s", describe(got), Signatures)
	}
}

func TestRuleTable(t *testing.T) {
	if len(rules) > 64 {
		t.Fatalf("%d rules, the matcher handles 64", len(rules))
	}
	seen := map[string]Category{}
	for _, r := range rules {
		if r.cat < 0 || r.cat >= NumCategories {
			t.Errorf("rule for unknown category %s", r.cat)
		}
		if len(r.prefixes) == 0 {
			t.Errorf("rule for %s names no functions", r.cat)
		}
		for _, p := range r.prefixes {
			if c, ok := seen[p]; ok {
				t.Errorf("%q is in the rules of %s and %s", p, c, r.cat)
			}
			seen[p] = r.cat
		}
	}
}
