package mtls_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
)

// FuzzParse feeds arbitrary text to every parser. None may panic; each
// error must be one line starting with "mtls: "; and whatever a parser
// accepts must read back the same from the names crypto/tls gives it.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		checkErr := func(what string, err error) bool {
			if err == nil {
				return true
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "mtls: ") ||
				strings.ContainsAny(msg, "\n\r") {
				t.Errorf("%s(%q): error %q, want one line starting with \"mtls: \"", what, s,
					msg)
			}
			return false
		}

		if v, err := mtls.ParseVersion(s); checkErr("ParseVersion", err) &&
			v != 0 && v != tls.VersionTLS12 && v != tls.VersionTLS13 {
			t.Errorf("ParseVersion(%q) = %#x", s, v)
		}

		if ids, err := mtls.ParseCipherSuites(s); checkErr("ParseCipherSuites", err) {
			names := make([]string, len(ids))
			for i, id := range ids {
				names[i] = tls.CipherSuiteName(id)
			}
			again, err := mtls.ParseCipherSuites(strings.Join(names, ","))
			if err != nil || !slices.Equal(again, ids) {
				t.Errorf("ParseCipherSuites(%q) = %v, which reads back as %v, %v", s, ids,
					again, err)
			}
		}

		if ids, err := mtls.ParseGroups(s); checkErr("ParseGroups", err) {
			names := make([]string, len(ids))
			for i, id := range ids {
				names[i] = id.String()
			}
			again, err := mtls.ParseGroups(strings.Join(names, ","))
			if err != nil || !slices.Equal(again, ids) {
				t.Errorf("ParseGroups(%q) = %v, which reads back as %v, %v", s, ids, again, err)
			}
		}

		if a, err := mtls.ParseClientAuth(s); checkErr("ParseClientAuth", err) {
			if again, err := mtls.ParseClientAuth(a.String()); err != nil || again != a {
				t.Errorf("ParseClientAuth(%q) = %v, which reads back as %v, %v", s, a, again,
					err)
			}
		}
	})
}
