package mtls

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// common checks o and returns a configuration holding the settings both
// ends share. cert is the server's certificate, whose key decides which
// cipher suites can work; nil on a client.
func (o Options) common(cert *tls.Certificate) (*tls.Config, error) {
	minVersion, err := o.minVersion()
	if err != nil {
		return nil, err
	}
	if err := checkSuites(o.CipherSuites, minVersion, cert); err != nil {
		return nil, err
	}
	if err := checkGroups(o.Groups, minVersion); err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:       minVersion,
		CipherSuites:     slices.Clone(o.CipherSuites),
		CurvePreferences: slices.Clone(o.Groups),
	}, nil
}

func (o Options) minVersion() (uint16, error) {
	switch o.MinVersion {
	case 0:
		return tls.VersionTLS12, nil
	case tls.VersionTLS12, tls.VersionTLS13:
		return o.MinVersion, nil
	}
	return 0, fmt.Errorf("mtls: minimum version %s refused (valid: %s)",
		versionName(o.MinVersion), strings.Join(versionNames, ", "))
}

// suiteKey is the key type a TLS 1.2 cipher suite authenticates with.
type suiteKey string

const (
	keyECDSA suiteKey = "ECDSA"
	keyRSA   suiteKey = "RSA"
)

// validSuites returns the TLS 1.2 suites that can be configured: the
// secure ones crypto/tls implements, all with ECDHE key exchange.
func validSuites() []*tls.CipherSuite {
	var out []*tls.CipherSuite
	for _, s := range tls.CipherSuites() {
		if slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			out = append(out, s)
		}
	}
	return out
}

// keyOfSuite reports which certificate key a suite needs.
func keyOfSuite(s *tls.CipherSuite) suiteKey {
	if strings.Contains(s.Name, "_ECDSA_") {
		return keyECDSA
	}
	return keyRSA
}

// keyOfCert reports which suites a certificate's key can use; "" for a
// key that suits neither.
func keyOfCert(cert *tls.Certificate) suiteKey {
	switch cert.PrivateKey.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey:
		return keyECDSA
	case *rsa.PrivateKey:
		return keyRSA
	}
	return ""
}

func checkSuites(ids []uint16, minVersion uint16, cert *tls.Certificate) error {
	if len(ids) == 0 {
		return nil
	}
	if minVersion == tls.VersionTLS13 {
		return fmt.Errorf("mtls: cipher suites apply to TLS 1.2 only and TLS 1.3's cannot " +
			"be chosen; leave CipherSuites empty with minimum version 1.3")
	}
	want := suiteKey("")
	if cert != nil {
		want = keyOfCert(cert)
	}
	valid := validSuites()
	for i, id := range ids {
		k := slices.IndexFunc(valid, func(s *tls.CipherSuite) bool { return s.ID == id })
		if k < 0 {
			return fmt.Errorf("mtls: cipher suite %s refused (valid TLS 1.2 suites: %s)",
				suiteName(id), suiteNames(valid, ""))
		}
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("mtls: cipher suite %s listed twice", suiteName(id))
		}
		if got := keyOfSuite(valid[k]); want != "" && got != want {
			return fmt.Errorf("mtls: cipher suite %s needs an %s certificate, and the "+
				"certificate has an %s key (valid with it: %s)", valid[k].Name, got, want,
				suiteNames(valid, want))
		}
	}
	return nil
}

// group is a key exchange group and whether it works in TLS 1.2 too.
type group struct {
	id    tls.CurveID
	tls12 bool
}

// groups are the key exchange groups crypto/tls implements.
var groups = []group{
	{tls.X25519MLKEM768, false},
	{tls.SecP256r1MLKEM768, false},
	{tls.SecP384r1MLKEM1024, false},
	{tls.X25519, true},
	{tls.CurveP256, true},
	{tls.CurveP384, true},
	{tls.CurveP521, true},
}

func checkGroups(ids []tls.CurveID, minVersion uint16) error {
	classic := false
	for i, id := range ids {
		k := slices.IndexFunc(groups, func(g group) bool { return g.id == id })
		if k < 0 {
			return fmt.Errorf("mtls: key exchange group %s refused (valid: %s)", id,
				groupNames())
		}
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("mtls: key exchange group %s listed twice", id)
		}
		classic = classic || groups[k].tls12
	}
	if len(ids) > 0 && !classic && minVersion < tls.VersionTLS13 {
		return fmt.Errorf("mtls: key exchange groups %s work in TLS 1.3 only; add one of "+
			"X25519, CurveP256, CurveP384, CurveP521 or set minimum version 1.3",
			joinGroups(ids))
	}
	return nil
}

func suiteNames(valid []*tls.CipherSuite, key suiteKey) string {
	var names []string
	for _, s := range valid {
		if key == "" || keyOfSuite(s) == key {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, ", ")
}

func groupNames() string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.id.String()
	}
	return strings.Join(names, ", ")
}

func joinGroups(ids []tls.CurveID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.String()
	}
	return strings.Join(names, ", ")
}

func clientAuthNames() string {
	return strings.Join(clientAuthModes, ", ")
}

// suiteName names a suite, or gives its number when crypto/tls does not
// know it.
func suiteName(id uint16) string { return tls.CipherSuiteName(id) }

func versionName(v uint16) string {
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
}
