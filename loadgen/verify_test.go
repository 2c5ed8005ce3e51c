package main

import (
	"crypto/tls"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// verifyRow is one row of verify's table.
type verifyRow struct{ result, detail string }

var rowPattern = regexp.MustCompile(`^(.+?)\s{2,}(PASS|FAIL|SKIP|INFO|WARN)\s{2,}(.*)$`)

// runVerify runs "loadgen verify" against addr with the client files in
// certs and returns its exit status and table, keyed by check.
func runVerify(t *testing.T, addr, certs string) (int, map[string]verifyRow) {
	t.Helper()
	p := pki.ClientPaths(certs)
	r := loadgen(t, "verify", "-target", addr, "-ca", p.CA, "-cert", p.Cert, "-key", p.Key)
	rows := map[string]verifyRow{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if m := rowPattern.FindStringSubmatch(line); m != nil {
			rows[m[1]] = verifyRow{m[2], m[3]}
		}
	}
	if len(rows) < 9 {
		t.Fatalf("verify printed %d rows, want at least 9; exit %d\n%s\n%s", len(rows), r.code,
			r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "PRIVATE KEY") {
		t.Errorf("verify printed a private key")
	}
	t.Logf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	return r.code, rows
}

// wantRows checks the results of the named checks.
func wantRows(t *testing.T, rows map[string]verifyRow, want map[string]string) {
	t.Helper()
	for check, result := range want {
		if got := rows[check]; got.result != result {
			t.Errorf("%s: %s (%s), want %s", check, got.result, got.detail, result)
		}
	}
}

func TestVerifyMutualTLS(t *testing.T) {
	certs := writeCerts(t)
	srv := startServe(t, "mtls", certs)
	code, rows := runVerify(t, srv.RPC, certs)
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	for check, r := range rows {
		if r.result == "FAIL" || r.result == "WARN" || r.result == "SKIP" {
			t.Errorf("%s: %s (%s)", check, r.result, r.detail)
		}
	}
	if r := rows["lowest TLS version accepted"]; !strings.HasPrefix(r.detail, "TLS 1.2:") {
		t.Errorf("lowest version: %s", r.detail)
	}
	if r := rows["no client certificate refused"]; !strings.Contains(r.detail,
		"certificate required") {
		t.Errorf("no client certificate: %s", r.detail)
	}
	if r := rows["session resumption"]; !strings.Contains(r.detail, "resumed the first") {
		t.Errorf("session resumption: %s", r.detail)
	}
}

func TestVerifyServerThatOnlyEncrypts(t *testing.T) {
	certs := writeCerts(t)
	srv := startServe(t, "tls", certs)
	code, rows := runVerify(t, srv.RPC, certs)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantRows(t, rows, map[string]string{
		"plaintext refused":              "PASS",
		"server certificate verified":    "PASS",
		"no client certificate refused":  "FAIL",
		"unknown-CA certificate refused": "FAIL",
		"valid client accepted":          "PASS",
		"lowest TLS version accepted":    "PASS",
		"WARNING":                        "WARN",
	})
}

func TestVerifyPlaintextServer(t *testing.T) {
	certs := writeCerts(t)
	srv := startServe(t, "plaintext", certs)
	code, rows := runVerify(t, srv.RPC, certs)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantRows(t, rows, map[string]string{
		"plaintext refused":           "FAIL",
		"server certificate verified": "FAIL",
		"valid client accepted":       "FAIL",
		"lowest TLS version accepted": "FAIL",
		"session resumption":          "INFO",
	})
	if _, ok := rows["WARNING"]; ok {
		t.Error("a WARNING row for a server that does not encrypt at all")
	}
}

// listenHere starts an mTLS echo server in this process, with the
// server files in certs and a configuration edit makes, and returns its
// address.
func listenHere(t *testing.T, certs string, edit func(*tls.Config)) string {
	t.Helper()
	quietGoMicro(io.Discard)
	log.SetOutput(io.Discard) // net/http's handshake errors
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	p := pki.ServerPaths(certs)
	cert, err := pki.LoadKeyPair(p.Cert, p.Key)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pki.LoadCA(p.CA)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	edit(cfg)
	srv, err := echo.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

func TestVerifyOldTLS(t *testing.T) {
	certs := writeCerts(t)
	addr := listenHere(t, certs, func(c *tls.Config) { c.MinVersion = tls.VersionTLS10 })
	code, rows := runVerify(t, addr, certs)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if r := rows["lowest TLS version accepted"]; r.result != "FAIL" ||
		!strings.HasPrefix(r.detail, "TLS 1.0 is below TLS 1.2") {
		t.Errorf("lowest version: %s (%s)", r.result, r.detail)
	}
}

// TestVerifyOptionalClientCertificates checks a server in the middle of
// a rollout: it verifies a certificate when one comes, but takes clients
// without one.
func TestVerifyOptionalClientCertificates(t *testing.T) {
	certs := writeCerts(t)
	addr := listenHere(t, certs, func(c *tls.Config) {
		c.ClientAuth = tls.VerifyClientCertIfGiven
	})
	code, rows := runVerify(t, addr, certs)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantRows(t, rows, map[string]string{
		"no client certificate refused":  "FAIL",
		"unknown-CA certificate refused": "PASS",
		"valid client accepted":          "PASS",
		"WARNING":                        "WARN",
	})
	if r := rows["WARNING"]; !strings.Contains(r.detail, "only some clients") {
		t.Errorf("WARNING: %s", r.detail)
	}
}

func TestVerifyBadInput(t *testing.T) {
	certs := writeCerts(t)
	p := pki.ClientPaths(certs)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, "mtls", certs)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-ca", p.CA}, "-target"},
		{[]string{"-target", srv.RPC}, "-ca"},
		{[]string{"-target", "127.0.0.1", "-ca", p.CA}, "missing port"},
		{[]string{"-target", "127.0.0.1:1", "-ca", p.CA}, "127.0.0.1:1"},
		{[]string{"-target", srv.RPC, "-ca", garbage}, "garbage.pem"},
		{[]string{"-target", srv.RPC, "-ca", p.Cert}, "not a CA"},
		{[]string{"-target", srv.RPC, "-ca", p.CA, "-cert", p.Cert}, "-cert and -key"},
		{[]string{"-target", srv.RPC, "-ca", p.CA, "-timeout", "0s"}, "-timeout"},
		{[]string{"-nosuchflag"}, "nosuchflag"},
	}
	for _, c := range cases {
		r := loadgen(t, append([]string{"verify"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		if r.code != 2 || !strings.HasPrefix(last, "loadgen: verify: ") ||
			!strings.Contains(last, c.want) || r.stdout != "" {
			t.Errorf("verify %s: exit %d, stderr %q; want exit 2 and one line naming %q",
				strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}

	r := loadgen(t, "verify", "-h")
	for _, flag := range []string{"-target", "-ca", "-cert", "-key", "-server-name",
		"-timeout"} {
		if r.code != 0 || !strings.Contains(r.stderr, "  "+flag+" ") {
			t.Errorf("verify -h: exit %d, does not document %s:\n%s", r.code, flag, r.stderr)
		}
	}
}
