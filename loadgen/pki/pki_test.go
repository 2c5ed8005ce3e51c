package pki

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateVerifies(t *testing.T) {
	s, err := Generate("")
	if err != nil {
		t.Fatal(err)
	}
	if got := KeyTypeOf(s.Server.Key); got != ECDSAP256 {
		t.Errorf("default key type %q, want %q", got, ECDSAP256)
	}
	for _, host := range ServerNames {
		if err := s.Server.Cert.VerifyHostname(host); err != nil {
			t.Errorf("server certificate: %v", err)
		}
	}
	opts := x509.VerifyOptions{Roots: s.Pool()}
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if _, err := s.Server.Cert.Verify(opts); err != nil {
		t.Errorf("server certificate does not verify for server auth: %v", err)
	}
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := s.Client.Cert.Verify(opts); err != nil {
		t.Errorf("client certificate does not verify for client auth: %v", err)
	}
	if _, err := s.Server.Cert.Verify(opts); err == nil {
		t.Error("server certificate verifies for client auth; want server auth only")
	}
}

func TestIntermediateChain(t *testing.T) {
	root, err := NewCA(ECDSAP256, "root")
	if err != nil {
		t.Fatal(err)
	}
	mid, err := root.Issue(ECDSAP256, Leaf{CommonName: "intermediate", IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := mid.Issue(ECDSAP256, Leaf{CommonName: "leaf", Hosts: []string{"localhost"},
		Usage: x509.ExtKeyUsageServerAuth})
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.Chain) != 1 || len(leaf.TLS().Certificate) != 2 {
		t.Fatalf("leaf carries %d intermediates, want 1", len(leaf.Chain))
	}
	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	inter := x509.NewCertPool()
	inter.AddCert(mid.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		DNSName: "localhost"}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteDirAndLoad(t *testing.T) {
	s, err := Generate(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "certs")
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ServerKeyFile, ClientKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err == nil {
		t.Error("the CA's private key was written")
	}
	p := ServerPaths(dir)
	if _, err := LoadCA(p.CA); err != nil {
		t.Fatal(err)
	}
	pair, err := LoadKeyPair(p.Cert, p.Key)
	if err != nil {
		t.Fatal(err)
	}
	if !pair.Leaf.Equal(s.Server.Cert) {
		t.Error("loaded server certificate differs from the one written")
	}
}

// TestBadFiles checks that each bad input gives an error naming the file
// and the cause.
func TestBadFiles(t *testing.T) {
	s, err := Generate(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Generate(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := s.WriteDir(good); err != nil {
		t.Fatal(err)
	}
	otherDir := filepath.Join(dir, "other")
	if err := other.WriteDir(otherDir); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gp, op := ServerPaths(good), ServerPaths(otherDir)
	empty := write("empty.pem", "")
	garbage := write("garbage.pem", "not a certificate at all")
	encrypted := write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"+
		"-----END ENCRYPTED PRIVATE KEY-----\n")
	cases := []struct {
		name string
		load func() error
		file string
		want string
	}{
		{"missing CA", func() error { _, err := LoadCA(filepath.Join(dir, "nope.pem")); return err },
			"nope.pem", "no such file"},
		{"empty CA", func() error { _, err := LoadCA(empty); return err }, empty, "empty"},
		{"directory as CA", func() error { _, err := LoadCA(dir); return err }, dir, "directory"},
		{"garbage CA", func() error { _, err := LoadCA(garbage); return err }, garbage,
			"not a PEM file"},
		{"key as CA", func() error { _, err := LoadCA(gp.Key); return err }, gp.Key,
			"PRIVATE KEY"},
		{"leaf as CA", func() error { _, err := LoadCA(gp.Cert); return err }, gp.Cert,
			"not a CA"},
		{"certificate as key", func() error { _, err := LoadKeyPair(gp.Cert, gp.Cert); return err },
			gp.Cert, "private key was expected"},
		{"encrypted key", func() error { _, err := LoadKeyPair(gp.Cert, encrypted); return err },
			encrypted, "encrypted"},
		{"mismatched key", func() error { _, err := LoadKeyPair(gp.Cert, op.Key); return err },
			op.Key, "does not match"},
	}
	for _, c := range cases {
		err := c.load()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.file) || !strings.Contains(msg, c.want) ||
			strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming %s and saying %q", c.name, msg,
				c.file, c.want)
		}
	}
}

func TestEveryKeyTypeMakesAWorkingCertificate(t *testing.T) {
	for _, kt := range KeyTypes {
		if testing.Short() && kt == RSA4096 {
			continue
		}
		s, err := Generate(kt)
		if err != nil {
			t.Fatalf("%s: %v", kt, err)
		}
		if got := KeyTypeOf(s.Server.Cert.PublicKey); got != kt {
			t.Errorf("%s: certificate key type %q", kt, got)
		}
		if _, err := tls.X509KeyPair(certPEM(s.Server), mustKeyPEM(t, s.Server)); err != nil {
			t.Errorf("%s: crypto/tls refuses the pair: %v", kt, err)
		}
	}
	if _, err := ParseKeyType("dsa"); err == nil || !strings.Contains(err.Error(), "ecdsa-p256") {
		t.Errorf("unknown key type: error %v, want one listing the valid types", err)
	}
}

func mustKeyPEM(t *testing.T, i *Issued) []byte {
	t.Helper()
	dir := t.TempDir()
	s := &Set{CA: i, Server: i, Client: i}
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ServerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
