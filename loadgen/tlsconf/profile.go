package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// A Profile pins the TLS parameters a scenario measures. The zero value
// leaves every choice to crypto/tls: TLS 1.3, its preferred suite, the
// hybrid X25519MLKEM768 key exchange, and an ECDSA P-256 certificate.
//
// The client enforces the profile; the server accepts what crypto/tls
// accepts by default. What a handshake actually negotiated is read back
// from the connection (Negotiated), never assumed from the profile.
type Profile struct {
	// Version is tls.VersionTLS12 or tls.VersionTLS13; 0 negotiates.
	Version uint16
	// Suite is a TLS 1.2 cipher suite; 0 lets crypto/tls choose. TLS 1.3
	// suites cannot be chosen in crypto/tls.
	Suite uint16
	// Group is the key exchange group; 0 lets crypto/tls choose.
	Group tls.CurveID
	// Key is the type of both certificates' keys; "" means ECDSA P-256.
	Key pki.KeyType
}

// KeyType returns the profile's certificate key type.
func (p Profile) KeyType() pki.KeyType {
	if p.Key == "" {
		return pki.ECDSAP256
	}
	return p.Key
}

// Versions, Suites and Groups name the choices a Profile can pin, as
// flags and scenario names spell them.
var (
	Versions = []struct {
		Name string
		ID   uint16
	}{{"1.2", tls.VersionTLS12}, {"1.3", tls.VersionTLS13}}

	// Suites are the TLS 1.2 suites with forward secrecy and an AEAD,
	// the ones worth measuring.
	Suites = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}

	Groups = []struct {
		Name string
		ID   tls.CurveID
	}{{"x25519", tls.X25519}, {"p256", tls.CurveP256}, {"p384", tls.CurveP384},
		{"x25519mlkem768", tls.X25519MLKEM768}}
)

// ParseVersion reads "1.2" or "1.3"; "" means negotiate.
func ParseVersion(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	for _, v := range Versions {
		if v.Name == s {
			return v.ID, nil
		}
	}
	return 0, fmt.Errorf("tlsconf: unknown TLS version %q (valid: 1.2, 1.3)", s)
}

// ParseSuite reads a cipher suite by its crypto/tls name; "" means the
// default.
func ParseSuite(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	names := make([]string, len(Suites))
	for i, id := range Suites {
		names[i] = tls.CipherSuiteName(id)
		if names[i] == s {
			return id, nil
		}
	}
	return 0, fmt.Errorf("tlsconf: unknown cipher suite %q (valid: %s)", s,
		strings.Join(names, ", "))
}

// ParseGroup reads a key exchange group name; "" means the default.
func ParseGroup(s string) (tls.CurveID, error) {
	if s == "" {
		return 0, nil
	}
	names := make([]string, len(Groups))
	for i, g := range Groups {
		names[i] = g.Name
		if g.Name == s {
			return g.ID, nil
		}
	}
	return 0, fmt.Errorf("tlsconf: unknown key exchange group %q (valid: %s)", s,
		strings.Join(names, ", "))
}

// Check refuses combinations crypto/tls cannot negotiate, saying what
// would work instead.
func (p Profile) Check() error {
	if p.Suite != 0 {
		if p.Version != tls.VersionTLS12 {
			return fmt.Errorf("tlsconf: cipher suite %s is a TLS 1.2 suite and needs -tls 1.2 "+
				"(crypto/tls does not let TLS 1.3 suites be chosen)", tls.CipherSuiteName(p.Suite))
		}
		name := tls.CipherSuiteName(p.Suite)
		rsaSuite := strings.Contains(name, "_RSA_")
		rsaKey := p.KeyType() == pki.RSA2048 || p.KeyType() == pki.RSA4096
		if rsaSuite != rsaKey {
			want := "ECDHE_ECDSA"
			if rsaKey {
				want = "ECDHE_RSA"
			}
			return fmt.Errorf("tlsconf: cipher suite %s cannot be used with a %s certificate: "+
				"choose a TLS_%s_ suite", name, p.KeyType(), want)
		}
	}
	if p.Group == tls.X25519MLKEM768 && p.Version == tls.VersionTLS12 {
		return fmt.Errorf("tlsconf: group x25519mlkem768 needs TLS 1.3 " +
			"(valid with 1.2: x25519, p256, p384)")
	}
	return nil
}

// apply sets the profile's pins on a configuration.
func (p Profile) apply(cfg *tls.Config) {
	if p.Version != 0 {
		cfg.MinVersion, cfg.MaxVersion = p.Version, p.Version
	}
	if p.Suite != 0 {
		cfg.CipherSuites = []uint16{p.Suite}
	}
	if p.Group != 0 {
		cfg.CurvePreferences = []tls.CurveID{p.Group}
	}
}

// Name returns the profile's pins in key=value form for a scenario name,
// in a fixed order, leaving out what is not pinned.
func (p Profile) Name() string {
	var parts []string
	if p.Version != 0 {
		parts = append(parts, "tls="+VersionName(p.Version))
	}
	if p.Suite != 0 {
		parts = append(parts, "suite="+tls.CipherSuiteName(p.Suite))
	}
	if p.Group != 0 {
		parts = append(parts, "group="+groupFlagName(p.Group))
	}
	if p.Key != "" {
		parts = append(parts, "key="+string(p.Key))
	}
	return strings.Join(parts, "/")
}

func groupFlagName(id tls.CurveID) string {
	for _, g := range Groups {
		if g.ID == id {
			return g.Name
		}
	}
	return id.String()
}
