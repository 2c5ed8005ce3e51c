package pki

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets write their input to files and load them as a user's
// PEM files would be loaded. Whatever the input, the loaders must not
// panic, and an error must be one line that starts with "pki: " and
// names the file at fault. The seed corpus is in testdata/fuzz.
//
// Minimising a new input of PEM's size can take the fuzzer most of a
// short run; -fuzzminimizetime 1x keeps it fuzzing instead:
//
//	go test -run '^$' -fuzz FuzzLoadCA -fuzztime 20s -fuzzminimizetime 1x ./loadgen/pki

func FuzzLoadCA(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeFuzzFile(t, "ca.pem", data)
		pool, err := LoadCA(path)
		if err == nil {
			if pool == nil {
				t.Fatal("LoadCA returned neither a pool nor an error")
			}
			return
		}
		checkFuzzError(t, err, path)
	})
}

func FuzzLoadKeyPair(f *testing.F) {
	f.Fuzz(func(t *testing.T, cert, key []byte) {
		certPath := writeFuzzFile(t, "cert.pem", cert)
		keyPath := writeFuzzFile(t, "key.pem", key)
		pair, err := LoadKeyPair(certPath, keyPath)
		if err == nil {
			if len(pair.Certificate) == 0 || pair.PrivateKey == nil || pair.Leaf == nil {
				t.Fatalf("LoadKeyPair returned an incomplete pair and no error: %+v", pair)
			}
			return
		}
		checkFuzzError(t, err, certPath, keyPath)
	})
}

func writeFuzzFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFuzzError fails unless err is one line starting with "pki: " that
// names one of paths.
func checkFuzzError(t *testing.T, err error, paths ...string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "pki: ") || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error %q: want one line starting with \"pki: \"", msg)
	}
	for _, p := range paths {
		if strings.Contains(msg, p) {
			return
		}
	}
	t.Fatalf("error %q names none of %q", msg, paths)
}
