package runner

import (
	"fmt"
	"strings"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// Matrices are the named sets of scenarios 'loadgen matrix' runs. Each
// varies one dimension and includes the plaintext baseline its TLS
// scenarios are compared with. Every scenario of a matrix names the
// varied dimension, so benchstat's -col works on it.
var Matrices = []struct {
	Name, About string
	Scenarios   func() []Scenario
}{
	{"core", "plaintext × pool on/off; tls and mtls × resume on/off × pool on/off",
		CoreMatrix},
	{"versions", "mtls with the pool off × TLS 1.2/1.3 × resume on/off", versionsMatrix},
	{"suites", "mtls over TLS 1.2 with the pool on × each ECDHE-ECDSA AEAD suite",
		suitesMatrix},
	{"groups", "mtls over TLS 1.3, pool and resumption off × x25519/p256/x25519mlkem768",
		groupsMatrix},
	{"keys", "mtls, pool and resumption off × each certificate key type", keysMatrix},
	{"payloads", "plaintext and mtls with the pool on × 64B/1KiB/16KiB/1MiB", payloadsMatrix},
}

// FindMatrix returns the named matrix's scenarios, or an error listing
// the valid names.
func FindMatrix(name string) ([]Scenario, error) {
	var names []string
	for _, m := range Matrices {
		if m.Name == name {
			return m.Scenarios(), nil
		}
		names = append(names, m.Name)
	}
	return nil, fmt.Errorf("unknown matrix %q (valid: %s)", name, strings.Join(names, ", "))
}

func mtlsNoPool(p tlsconf.Profile, resume bool) Scenario {
	return Scenario{Transport: tlsconf.MTLS, Resume: resume, Profile: p}
}

var plainNoPool = Scenario{Transport: tlsconf.Plaintext}

func versionsMatrix() []Scenario {
	out := []Scenario{plainNoPool}
	for _, v := range tlsconf.Versions {
		for _, resume := range []bool{true, false} {
			out = append(out, mtlsNoPool(tlsconf.Profile{Version: v.ID}, resume))
		}
	}
	return out
}

func suitesMatrix() []Scenario {
	out := []Scenario{{Transport: tlsconf.Plaintext, PoolSize: echo.DefaultPoolSize}}
	for _, id := range tlsconf.Suites {
		p := tlsconf.Profile{Version: Versions12, Suite: id, Key: pki.ECDSAP256}
		if p.Check() != nil {
			continue // an RSA suite with the ECDSA certificate
		}
		out = append(out, Scenario{Transport: tlsconf.MTLS, Resume: true,
			PoolSize: echo.DefaultPoolSize, Profile: p})
	}
	return out
}

func groupsMatrix() []Scenario {
	out := []Scenario{plainNoPool}
	for _, g := range []string{"x25519", "p256", "x25519mlkem768"} {
		id, _ := tlsconf.ParseGroup(g)
		out = append(out, mtlsNoPool(tlsconf.Profile{Version: Versions13, Group: id}, false))
	}
	return out
}

func keysMatrix() []Scenario {
	out := []Scenario{plainNoPool}
	for _, k := range pki.KeyTypes {
		out = append(out, mtlsNoPool(tlsconf.Profile{Key: k}, false))
	}
	return out
}

func payloadsMatrix() []Scenario {
	var out []Scenario
	for _, size := range []int{64, 1 << 10, 16 << 10, 1 << 20} {
		for _, t := range []tlsconf.Transport{tlsconf.Plaintext, tlsconf.MTLS} {
			out = append(out, Scenario{Transport: t, Resume: t.Secure(),
				PoolSize: echo.DefaultPoolSize, Payload: size})
		}
	}
	return out
}

// The TLS versions by number, for matrices.
const (
	Versions12 = 0x0303
	Versions13 = 0x0304
)
