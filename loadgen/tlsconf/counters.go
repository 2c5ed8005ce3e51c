package tlsconf

import (
	"crypto/tls"
	"sync"
	"sync/atomic"

	"github.com/mtlsbench/gomicro-mtls/loadgen/pki"
)

// Handshakes is a snapshot of one end's handshake counts. Fields that an
// end cannot observe stay zero and are omitted from JSON.
type Handshakes struct {
	// ClientHellos is how many ClientHello messages the server read,
	// including those whose handshake then failed. Server only.
	ClientHellos int64 `json:"client_hellos,omitempty"`
	// Full and Resumed count handshakes that completed, split by
	// whether an earlier session was resumed.
	Full    int64 `json:"full"`
	Resumed int64 `json:"resumed"`
	// Failed is, on the server, the ClientHellos that did not lead to a
	// completed handshake. It is exact only once no handshake is in
	// progress, which is when the load engine reads it.
	Failed int64 `json:"failed,omitempty"`
	// Dials is how many connections the client opened, successful or
	// not. Client only.
	Dials int64 `json:"dials,omitempty"`
	// Negotiated is what the most recent completed handshake agreed on.
	Negotiated Negotiated `json:"negotiated,omitzero"`
}

// Sub returns the counts in h that are not in an earlier snapshot old.
func (h Handshakes) Sub(old Handshakes) Handshakes {
	return Handshakes{
		ClientHellos: h.ClientHellos - old.ClientHellos,
		Full:         h.Full - old.Full,
		Resumed:      h.Resumed - old.Resumed,
		Failed:       h.Failed - old.Failed,
		Dials:        h.Dials - old.Dials,
		Negotiated:   h.Negotiated,
	}
}

// Negotiated is the protocol version, cipher suite and key exchange group
// of a handshake, as crypto/tls reports them after it completes.
type Negotiated struct {
	Version string `json:"version,omitempty"`
	Suite   string `json:"cipher_suite,omitempty"`
	// Group is empty when no key exchange took place: a TLS 1.2
	// resumption.
	Group string `json:"group,omitempty"`
	// PeerKey is the key type of the peer's certificate, when it sent
	// one.
	PeerKey pki.KeyType `json:"peer_key,omitempty"`
}

func negotiated(cs tls.ConnectionState) Negotiated {
	n := Negotiated{
		Version: VersionName(cs.Version),
		Suite:   SuiteName(cs.CipherSuite),
		Group:   GroupName(cs.CurveID),
	}
	if len(cs.PeerCertificates) > 0 {
		n.PeerKey = pki.KeyTypeOf(cs.PeerCertificates[0].PublicKey)
	}
	return n
}

// handshakeCounts is what both ends count.
type handshakeCounts struct {
	full, resumed atomic.Int64

	mu sync.Mutex
	// last full handshake's parameters; a resumption may have no group.
	last Negotiated
}

func (c *handshakeCounts) record(cs tls.ConnectionState) {
	if cs.DidResume {
		c.resumed.Add(1)
		return
	}
	c.full.Add(1)
	n := negotiated(cs)
	c.mu.Lock()
	c.last = n
	c.mu.Unlock()
}

func (c *handshakeCounts) snapshot() Handshakes {
	c.mu.Lock()
	n := c.last
	c.mu.Unlock()
	return Handshakes{Full: c.full.Load(), Resumed: c.resumed.Load(), Negotiated: n}
}

// ServerCounters counts a server's handshakes. The zero value is ready.
type ServerCounters struct {
	handshakeCounts
	hellos atomic.Int64
}

// Snapshot returns the counts so far.
func (c *ServerCounters) Snapshot() Handshakes {
	h := c.snapshot()
	h.ClientHellos = c.hellos.Load()
	h.Failed = h.ClientHellos - h.Full - h.Resumed
	return h
}

// ClientCounters counts a client's dials and handshakes. The zero value is
// ready.
type ClientCounters struct {
	handshakeCounts
	dials atomic.Int64
}

// Dialled records that the client opened, or tried to open, a connection.
func (c *ClientCounters) Dialled() { c.dials.Add(1) }

// Snapshot returns the counts so far.
func (c *ClientCounters) Snapshot() Handshakes {
	h := c.snapshot()
	h.Dials = c.dials.Load()
	return h
}
