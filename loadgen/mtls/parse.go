package mtls

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// The names the parsers accept, for flag help.
var (
	versionNames    = []string{"1.2", "1.3"}
	clientAuthModes = []string{"require", "verify-if-given"}
)

// ParseVersion reads a minimum TLS version: "1.2" or "1.3", optionally
// written "TLS 1.3" or "tls1.3". The empty string means 0, the default
// (TLS 1.2). Versions below 1.2 are refused.
func ParseVersion(s string) (uint16, error) {
	name := strings.TrimSpace(s)
	if len(name) >= 3 && strings.EqualFold(name[:3], "TLS") {
		name = strings.TrimSpace(name[3:])
	}
	switch name {
	case "":
		if strings.TrimSpace(s) == "" {
			return 0, nil
		}
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	case "1.0", "1.1":
		return 0, fmt.Errorf("mtls: TLS version %q is below 1.2 and refused (valid: %s)", s,
			strings.Join(versionNames, ", "))
	}
	return 0, fmt.Errorf("mtls: unknown TLS version %q (valid: %s)", s,
		strings.Join(versionNames, ", "))
}

// ParseCipherSuites reads a comma-separated list of TLS 1.2 cipher suite
// names as crypto/tls spells them, such as
// "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256". The empty string means nil,
// crypto/tls's defaults. Whether the suites suit a certificate is checked
// when a configuration is built.
func ParseCipherSuites(s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	valid := validSuites()
	var ids []uint16
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		k := slices.IndexFunc(valid, func(cs *tls.CipherSuite) bool {
			return strings.EqualFold(cs.Name, name)
		})
		if k < 0 {
			return nil, fmt.Errorf("mtls: %s (valid TLS 1.2 suites: %s)", whySuite(name),
				suiteNames(valid, ""))
		}
		if slices.Contains(ids, valid[k].ID) {
			return nil, fmt.Errorf("mtls: cipher suite %s listed twice", valid[k].Name)
		}
		ids = append(ids, valid[k].ID)
	}
	return ids, nil
}

// whySuite says why a name is not a suite that can be chosen.
func whySuite(name string) string {
	for _, cs := range tls.CipherSuites() {
		if strings.EqualFold(cs.Name, name) {
			return fmt.Sprintf("cipher suite %s is a TLS 1.3 suite, which cannot be chosen",
				cs.Name)
		}
	}
	for _, cs := range tls.InsecureCipherSuites() {
		if strings.EqualFold(cs.Name, name) {
			return fmt.Sprintf("cipher suite %s is insecure and refused", cs.Name)
		}
	}
	return fmt.Sprintf("unknown cipher suite %q", name)
}

// ParseGroups reads a comma-separated list of key exchange group names
// as crypto/tls spells them, such as "X25519MLKEM768,X25519,CurveP256",
// in order of preference. The empty string means nil, crypto/tls's
// defaults.
func ParseGroups(s string) ([]tls.CurveID, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var ids []tls.CurveID
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		k := slices.IndexFunc(groups, func(g group) bool {
			return strings.EqualFold(g.id.String(), name)
		})
		if k < 0 {
			return nil, fmt.Errorf("mtls: unknown key exchange group %q (valid: %s)", name,
				groupNames())
		}
		if slices.Contains(ids, groups[k].id) {
			return nil, fmt.Errorf("mtls: key exchange group %s listed twice", groups[k].id)
		}
		ids = append(ids, groups[k].id)
	}
	return ids, nil
}

// ParseClientAuth reads a client authentication mode: "require" or
// "verify-if-given". The empty string means Require.
func ParseClientAuth(s string) (ClientAuth, error) {
	switch strings.TrimSpace(s) {
	case "", "require":
		return Require, nil
	case "verify-if-given":
		return VerifyIfGiven, nil
	}
	return 0, fmt.Errorf("mtls: unknown client authentication mode %q (valid: %s)", s,
		clientAuthNames())
}

// String returns the mode's name as ParseClientAuth reads it.
func (a ClientAuth) String() string {
	if a >= 0 && int(a) < len(clientAuthModes) {
		return clientAuthModes[a]
	}
	return fmt.Sprintf("ClientAuth(%d)", int(a))
}
