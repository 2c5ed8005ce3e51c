package tlsconf

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

func TestCheckRefusesImpossibleProfiles(t *testing.T) {
	ecdsaSuite := tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	rsaSuite := tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	bad := []struct {
		p    Profile
		want string
	}{
		{Profile{Suite: ecdsaSuite}, "needs -tls 1.2"},
		{Profile{Version: tls.VersionTLS13, Suite: ecdsaSuite}, "needs -tls 1.2"},
		{Profile{Version: tls.VersionTLS12, Suite: ecdsaSuite, Key: pki.RSA2048},
			"TLS_ECDHE_RSA_"},
		{Profile{Version: tls.VersionTLS12, Suite: rsaSuite}, "TLS_ECDHE_ECDSA_"},
		{Profile{Version: tls.VersionTLS12, Group: tls.X25519MLKEM768}, "needs TLS 1.3"},
	}
	for _, c := range bad {
		err := c.p.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.p, err, c.want)
		}
	}
	good := []Profile{
		{},
		{Version: tls.VersionTLS12, Suite: ecdsaSuite},
		{Version: tls.VersionTLS12, Suite: ecdsaSuite, Key: pki.Ed25519},
		{Version: tls.VersionTLS12, Suite: rsaSuite, Key: pki.RSA4096},
		{Version: tls.VersionTLS13, Group: tls.X25519MLKEM768},
	}
	for _, p := range good {
		if err := p.Check(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestParseListsValidChoices(t *testing.T) {
	if _, err := ParseVersion("1.1"); err == nil || !strings.Contains(err.Error(), "1.2, 1.3") {
		t.Errorf("ParseVersion: %v", err)
	}
	if _, err := ParseSuite("TLS_AES_128_GCM_SHA256"); err == nil ||
		!strings.Contains(err.Error(), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256") {
		t.Errorf("ParseSuite: %v", err)
	}
	if _, err := ParseGroup("x448"); err == nil || !strings.Contains(err.Error(), "x25519mlkem768") {
		t.Errorf("ParseGroup: %v", err)
	}
	for _, g := range Groups {
		id, err := ParseGroup(g.Name)
		if err != nil || id != g.ID || GroupName(id) != g.Name {
			t.Errorf("group %s: parsed %v, %v, named %q", g.Name, id, err, GroupName(id))
		}
	}
}

func TestProfileName(t *testing.T) {
	p := Profile{Version: tls.VersionTLS12, Suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		Group: tls.CurveP256, Key: pki.ECDSAP384}
	want := "tls=1.2/suite=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/group=p256/key=ecdsa-p384"
	if got := p.Name(); got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if (Profile{}).Name() != "" {
		t.Errorf("the empty profile has name %q", (Profile{}).Name())
	}
}
