package attrib

import (
	"math/bits"
	"strings"

	"github.com/google/pprof/profile"
)

// A rule puts a sample in cat when a function on its stack has a name
// that starts with one of prefixes. Names are as pprof shows them:
// "crypto/ecdsa." names a package, "crypto/x509.(*Certificate).Verify"
// a method together with its closures.
type rule struct {
	cat      Category
	prefixes []string
}

// rules decide each sample's category. A sample goes to the first rule,
// reading top-down, that names any function on its stack, inlined
// functions included; a sample no rule names goes to Other. So:
//
//   - An operation's category holds everything it calls: the hashing,
//     field arithmetic and allocation inside an ECDSA signature are
//     signature time.
//   - Certificate verification comes first. Verifying a chain checks
//     the signatures on its certificates, and those checks count as
//     certificate verification, so that the certificates column answers
//     "what does verifying the peer's chain cost" and the signatures
//     column holds the handshake's own signatures (CertificateVerify,
//     and ServerKeyExchange in TLS 1.2).
//   - Primitives with no rule of their own (crypto/internal/fips140/
//     nistec and bigmod, edwards25519, crypto/rand) count with their
//     caller: nistec under ECDSA is a signature, under ECDH a key
//     exchange, under x509 certificate verification.
//   - The key schedule (TLS 1.3's HKDF, TLS 1.2's PRF), which turns the
//     shared secret into keys, counts as key exchange. Hashing holds the
//     transcript hashes, Finished MACs and any other hashing.
//   - Session tickets count as TLS, although they are sealed with AES
//     and HMAC: they are not record protection.
//   - Network comes before the runtime and the rest: a system call made
//     by go-micro, or the scheduler polling the network, is network time.
//   - The runtime comes before TLS and go-micro: their allocations and GC
//     assists are runtime time. Allocations inside a crypto operation
//     still count with the operation, which comes first.
//   - Samples in the race detector's C code, where the profiler sees no
//     Go caller, are other time, not runtime time. Where it sees the
//     caller, they count with it like any other function.
//   - bufio has no rule: in this suite only net/http calls it, so it
//     counts as go-micro.
//
// To add a category, add a constant and a name in attrib.go and a rule
// here at the place its precedence calls for.
var rules = []rule{
	{Certificates, []string{
		"crypto/tls.(*Conn).verifyServerCertificate",
		"crypto/tls.(*Conn).processCertsFromClient",
		"crypto/tls.(*certCache)",
		"crypto/x509.(*Certificate).Verify",
		"crypto/x509.(*Certificate).CheckSignature",
		"crypto/x509.(*Certificate).buildChains",
		"crypto/x509.(*CertPool)",
		"crypto/x509.Parse",
		"crypto/x509.parse",
		"crypto/x509.checkSignature",
	}},
	{Signatures, []string{
		"crypto/tls.verifyHandshakeSignature",
		"crypto/tls.signedMessage",
		"crypto/ecdsa.",
		"crypto/rsa.",
		"crypto/ed25519.",
		"crypto/internal/fips140/ecdsa.",
		"crypto/internal/fips140/rsa.",
		"crypto/internal/fips140/ed25519.",
		"crypto/internal/fips140/mldsa.",
	}},
	{KeyExchange, []string{
		"crypto/tls.(*ecdhKeyExchange)",
		"crypto/tls.(*hybridKeyExchange)",
		"crypto/tls.keyExchangeForCurveID",
		"crypto/tls.(*ecdheKeyAgreement)",
		"crypto/ecdh.",
		"crypto/mlkem.",
		"crypto/internal/fips140/ecdh.",
		"crypto/internal/fips140/mlkem.",
		"golang.org/x/crypto/curve25519.",
		// The key schedule.
		"crypto/internal/fips140/tls13.",
		"crypto/internal/fips140/tls12.",
		"crypto/tls.(*cipherSuiteTLS13).nextTrafficSecret",
		"crypto/tls.(*cipherSuiteTLS13).trafficKey",
		"crypto/tls.(*cipherSuiteTLS13).exportKeyingMaterial",
		"crypto/tls.prf",
		"crypto/tls.masterFromPreMasterSecret",
		"crypto/tls.extMasterFromPreMasterSecret",
		"crypto/tls.keysFromMasterSecret",
	}},
	{TLS, []string{
		"crypto/tls.(*Config).encryptTicket",
		"crypto/tls.(*Config).decryptTicket",
	}},
	{Record, []string{
		"crypto/tls.(*halfConn).encrypt",
		"crypto/tls.(*halfConn).decrypt",
		"crypto/aes.",
		"crypto/cipher.",
		"crypto/internal/fips140/aes",
		"vendor/golang.org/x/crypto/chacha20",
		"vendor/golang.org/x/crypto/internal/poly1305.",
		"golang.org/x/crypto/chacha20",
		"golang.org/x/crypto/internal/poly1305.",
	}},
	{Hashing, []string{
		"crypto/sha",
		"crypto/md5.",
		"crypto/hmac.",
		"crypto/hkdf.",
		"crypto/internal/fips140/sha",
		"crypto/internal/fips140/hmac.",
		"crypto/internal/fips140/hkdf.",
	}},
	// The race detector's C code, where the profiler could not walk
	// back into the Go code it checks: not the runtime's work.
	{Other, []string{
		"__tsan",
		"_ZN6__tsan",
	}},
	{Network, []string{
		"syscall.",
		"internal/poll.",
		"internal/runtime/syscall",
		"net.",
		"runtime.netpoll",
	}},
	{Runtime, []string{
		"runtime.mallocgc",
		"runtime.gcBgMarkWorker",
		"runtime.gcAssistAlloc",
		"runtime.gcDrain",
		"runtime.gcStart",
		"runtime.gcMarkDone",
		"runtime.gcMarkTermination",
		"runtime.markroot",
		"runtime.scan",
		"runtime.bgsweep",
		"runtime.bgscavenge",
		"runtime.sweepone",
		"runtime.wbBufFlush",
		"runtime.mcall",
		"runtime.mstart",
		"runtime.schedule",
		"runtime.findRunnable",
		"runtime.park_m",
		"runtime.gopark",
		"runtime.goready",
		"runtime.newproc",
		"runtime.morestack",
		"runtime.newstack",
		"runtime.sysmon",
		"runtime.stopTheWorld",
		"runtime.startTheWorld",
		// Runtime work whose stack the profiler could not walk.
		"runtime._System",
		"runtime._GC",
	}},
	{TLS, []string{
		"crypto/tls.",
		"vendor/golang.org/x/crypto/cryptobyte.",
		"golang.org/x/crypto/cryptobyte.",
	}},
	{Micro, []string{
		"github.com/micro/go-micro/",
		"github.com/mtlsbench/gomicro-mtls/loadgen/echo.",
		"net/http.",
		"net/textproto.",
		"net/url.",
		"encoding/json.",
		"github.com/golang/protobuf/",
		"google.golang.org/protobuf/",
		"github.com/oxtoacart/bpool.",
	}},
}

// A matcher applies rules to samples, remembering which rules name the
// functions of each location it has seen.
type matcher struct {
	rules []rule
	locs  map[*profile.Location]uint64 // bit i: rules[i] names a function here
}

func newMatcher(rs []rule) *matcher {
	if len(rs) > 64 {
		panic("attrib: more than 64 rules")
	}
	return &matcher{rules: rs, locs: map[*profile.Location]uint64{}}
}

// category returns the category of the first rule that names a function
// on s's stack, or Other.
func (m *matcher) category(s *profile.Sample) Category {
	var named uint64
	for _, loc := range s.Location {
		named |= m.location(loc)
	}
	if named == 0 {
		return Other
	}
	return m.rules[bits.TrailingZeros64(named)].cat
}

// location returns the set of rules that name a function of loc.
func (m *matcher) location(loc *profile.Location) uint64 {
	if set, ok := m.locs[loc]; ok {
		return set
	}
	var set uint64
	for _, line := range loc.Line {
		if line.Function == nil {
			continue
		}
		for i, r := range m.rules {
			if names(r, line.Function.Name) {
				set |= 1 << i
			}
		}
	}
	m.locs[loc] = set
	return set
}

func names(r rule, fn string) bool {
	for _, p := range r.prefixes {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
