package mtls_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]uint16{"": 0, "1.2": tls.VersionTLS12,
		"TLS 1.3": tls.VersionTLS13, " tls1.3 ": tls.VersionTLS13} {
		if got, err := mtls.ParseVersion(in); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %#x, %v; want %#x", in, got, err, want)
		}
	}
	suites, err := mtls.ParseCipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, " +
		"tls_ecdhe_rsa_with_chacha20_poly1305_sha256")
	if err != nil || !slices.Equal(suites, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}) {
		t.Errorf("ParseCipherSuites: %v, %v", suites, err)
	}
	groups, err := mtls.ParseGroups("X25519MLKEM768,x25519,CurveP256")
	if err != nil || !slices.Equal(groups, []tls.CurveID{tls.X25519MLKEM768, tls.X25519,
		tls.CurveP256}) {
		t.Errorf("ParseGroups: %v, %v", groups, err)
	}
	if a, err := mtls.ParseClientAuth("verify-if-given"); err != nil || a != mtls.VerifyIfGiven ||
		a.String() != "verify-if-given" {
		t.Errorf("ParseClientAuth: %v, %v", a, err)
	}

	refused := []struct {
		name string
		err  error
		want string
	}{
		{"version 1.0", second(mtls.ParseVersion("1.0")), "below 1.2"},
		{"version 2", second(mtls.ParseVersion("2")), "valid: 1.2, 1.3"},
		{"TLS 1.3 suite", second(mtls.ParseCipherSuites("TLS_AES_128_GCM_SHA256")),
			"TLS 1.3 suite"},
		{"insecure suite", second(mtls.ParseCipherSuites("TLS_RSA_WITH_AES_128_GCM_SHA256")),
			"insecure"},
		{"unknown suite", second(mtls.ParseCipherSuites("AES,")), "valid TLS 1.2 suites: "},
		{"suite twice", second(mtls.ParseCipherSuites(
			"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
			"twice"},
		{"unknown group", second(mtls.ParseGroups("X448")), "valid: X25519MLKEM768,"},
		{"client auth", second(mtls.ParseClientAuth("optional")), "valid: require"},
	}
	for _, r := range refused {
		if r.err == nil || !strings.HasPrefix(r.err.Error(), "mtls: ") ||
			!strings.Contains(r.err.Error(), r.want) {
			t.Errorf("%s: error %v, want one mentioning %q", r.name, r.err, r.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
