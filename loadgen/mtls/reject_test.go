package mtls_test

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/micro/go-micro/v2/client"

	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/mtls"
	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// fastLimit is how soon a call that cannot succeed must fail when the
// two ends do not even speak the same protocol. It only catches a hang
// until the 10 s call timeout; it is not a performance bound.
const fastLimit = 3 * time.Second

// rejection is one case of the matrix: a server, a client, and what a
// real echo RPC between them must give.
type rejection struct {
	name string
	// setup starts the server and returns its address and the client's
	// options (none for plaintext).
	setup func(t *testing.T) (string, []client.Option)
	// want is the class of the error; "" means the call must succeed.
	want load.Class
	// text must appear in the error.
	text string
	// fast asks for a hang check: the call must fail within fastLimit.
	fast bool
	// resetOK accepts a connection reset instead: a server that closes
	// a connection with unread input resets it, and the reset can
	// overtake the reply that says why.
	resetOK bool
}

func TestRejections(t *testing.T) {
	cases := []rejection{
		{name: "valid-client", setup: func(t *testing.T) (string, []client.Option) {
			srv, cli := goodFiles(t)
			return listenMTLS(t, srv, mtls.Options{}), clientOptions(t, cli, mtls.Options{})
		}},
		{name: "no-client-certificate", want: load.TLSServerRejected,
			text: "certificate required", setup: func(t *testing.T) (string, []client.Option) {
				srv, cli := goodFiles(t)
				cli.Cert, cli.Key = "", ""
				return listenMTLS(t, srv, mtls.Options{}), clientOptions(t, cli, mtls.Options{})
			}},
		{name: "client-certificate-from-other-CA", want: load.TLSServerRejected,
			setup: clientCert(mustIssue(otherCA, pki.ECDSAP256, clientLeaf()), mtls.Require)},
		{name: "expired-client-certificate", want: load.TLSServerRejected,
			setup: clientCert(mustIssue(trustedCA, pki.ECDSAP256, validity(-48*time.Hour,
				-24*time.Hour)), mtls.Require)},
		{name: "client-certificate-not-yet-valid", want: load.TLSServerRejected,
			setup: clientCert(mustIssue(trustedCA, pki.ECDSAP256, validity(24*time.Hour,
				48*time.Hour)), mtls.Require)},
		{name: "server-name-mismatch", want: load.TLSClientRejected, text: "127.0.0.1",
			setup: otherNameServer("")},
		{name: "server-name-override", setup: otherNameServer("other.example")},
		{name: "server-certificate-from-untrusted-CA", want: load.TLSClientRejected,
			text: "unknown authority", setup: func(t *testing.T) (string, []client.Option) {
				srvCert := mustIssue(otherCA, pki.ECDSAP256, pki.Leaf{CommonName: "server",
					Hosts: pki.ServerNames, Usage: x509.ExtKeyUsageServerAuth})
				srv, cli := writeFiles(t, trustedCA, srvCert, goodClient)
				return listenMTLS(t, srv, mtls.Options{}), clientOptions(t, cli, mtls.Options{})
			}},
		{name: "server-tls1.3-client-tls1.2", want: load.TLSServerRejected,
			text: "protocol version", setup: func(t *testing.T) (string, []client.Option) {
				srv, cli := goodFiles(t)
				addr := listenMTLS(t, srv, mtls.Options{MinVersion: tls.VersionTLS13})
				cfg := clientConfig(t, cli, mtls.Options{})
				cfg.MaxVersion = tls.VersionTLS12
				return addr, withConfig(cfg)
			}},
		{name: "plaintext-client-tls-server", want: load.TLSServerRejected, fast: true,
			resetOK: true, text: "HTTPS server",
			setup: func(t *testing.T) (string, []client.Option) {
				srv, _ := goodFiles(t)
				return listenMTLS(t, srv, mtls.Options{}), nil
			}},
		{name: "tls-client-plaintext-server", want: load.TLSClientRejected, fast: true,
			resetOK: true, text: "does not look like a TLS handshake",
			setup: func(t *testing.T) (string, []client.Option) {
				_, cli := goodFiles(t)
				return listen(t, nil), clientOptions(t, cli, mtls.Options{})
			}},
		{name: "intermediate-chain-sent", setup: clientCert(chainedClient(true), mtls.Require)},
		{name: "intermediate-leaf-only", want: load.TLSServerRejected,
			setup: clientCert(chainedClient(false), mtls.Require)},
		{name: "verify-if-given-no-certificate",
			setup: func(t *testing.T) (string, []client.Option) {
				srv, cli := goodFiles(t)
				cli.Cert, cli.Key = "", ""
				addr := listenMTLS(t, srv, mtls.Options{ClientAuth: mtls.VerifyIfGiven})
				return addr, clientOptions(t, cli, mtls.Options{})
			}},
		{name: "verify-if-given-invalid-certificate", want: load.TLSServerRejected,
			setup: clientCert(mustIssue(otherCA, pki.ECDSAP256, clientLeaf()),
				mtls.VerifyIfGiven)},
		// Why ClientConfig sets GetClientCertificate: with Certificates
		// alone, crypto/tls withholds a certificate whose issuer the
		// server does not name, and the client passes for one without.
		{name: "verify-if-given-certificate-withheld",
			setup: func(t *testing.T) (string, []client.Option) {
				wrong := mustIssue(otherCA, pki.ECDSAP256, clientLeaf())
				srv, cli := writeFiles(t, trustedCA, goodServer, wrong)
				addr := listenMTLS(t, srv, mtls.Options{ClientAuth: mtls.VerifyIfGiven})
				cfg := clientConfig(t, cli, mtls.Options{})
				cfg.GetClientCertificate = nil
				return addr, withConfig(cfg)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, opts := c.setup(t)
			took, err := call(newClient(opts), addr)
			if c.want == "" {
				if err != nil {
					t.Fatalf("call failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("call succeeded; want it refused (%s)", c.want)
			}
			t.Logf("after %v: %v", took.Round(time.Millisecond), err)
			if c.fast && took > fastLimit {
				t.Errorf("call failed after %v, want within %v (10 s timeout)", took, fastLimit)
			}
			if c.resetOK && strings.Contains(err.Error(), "connection reset by peer") {
				if got := load.Classify(err); got != load.Reset {
					t.Errorf("load.Classify gives %s for a reset, want %s", got, load.Reset)
				}
				return
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not mention %q", err, c.text)
			}
			if got := load.Classify(err); got != c.want {
				t.Errorf("load.Classify gives %s, want %s", got, c.want)
			}
		})
	}
}

func clientLeaf() pki.Leaf {
	return pki.Leaf{CommonName: "client", Usage: x509.ExtKeyUsageClientAuth}
}

// validity returns a client certificate valid between now+from and
// now+to.
func validity(from, to time.Duration) pki.Leaf {
	l := clientLeaf()
	now := time.Now()
	l.NotBefore, l.NotAfter = now.Add(from), now.Add(to)
	return l
}

// clientCert returns a setup where a server trusting trustedCA, with the
// given client authentication, is called by a client presenting cert.
func clientCert(cert *pki.Issued, auth mtls.ClientAuth) func(*testing.T) (string,
	[]client.Option) {
	return func(t *testing.T) (string, []client.Option) {
		srv, cli := writeFiles(t, trustedCA, goodServer, cert)
		return listenMTLS(t, srv, mtls.Options{ClientAuth: auth}),
			clientOptions(t, cli, mtls.Options{})
	}
}

// otherNameServer returns a setup where the server's certificate names
// only other.example, and the client dials 127.0.0.1 checking for
// serverName.
func otherNameServer(serverName string) func(*testing.T) (string, []client.Option) {
	return func(t *testing.T) (string, []client.Option) {
		srvCert := mustIssue(trustedCA, pki.ECDSAP256, pki.Leaf{CommonName: "other",
			Hosts: []string{"other.example"}, Usage: x509.ExtKeyUsageServerAuth})
		srv, cli := writeFiles(t, trustedCA, srvCert, goodClient)
		return listenMTLS(t, srv, mtls.Options{}),
			clientOptions(t, cli, mtls.Options{ServerName: serverName})
	}
}

// chainedClient returns a client certificate issued by an intermediate
// CA under trustedCA, carrying the intermediate or only the leaf.
func chainedClient(withChain bool) *pki.Issued {
	mid := mustIssue(trustedCA, pki.ECDSAP256, pki.Leaf{CommonName: "intermediate",
		IsCA: true})
	leaf := mustIssue(mid, pki.ECDSAP256, clientLeaf())
	if !withChain {
		leaf.Chain = nil
	}
	return leaf
}
