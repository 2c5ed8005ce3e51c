package mtls

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/micro/go-micro/v2/transport"
)

// GuardConn wraps a connection that go-micro's HTTP transport dialled, to
// make two of its failures safe and clear:
//
//   - Closing during a read. go-micro closes a connection from another
//     goroutine when a call times out or its context ends, while the
//     call's reader may still be in Recv, and the transport's Close resets
//     the buffer that Recv is reading: the reader then panics and the
//     process dies. A guarded connection's Close only marks it while a
//     Send or Recv is running, and the real Close happens when that call
//     returns. Give the transport a transport.Timeout so that the wait is
//     bounded.
//   - A refused certificate reported as a broken pipe. Under TLS 1.3 a
//     client finishes its handshake before the server checks the client's
//     certificate; a server that refuses it sends an alert and closes, and
//     the client's first write fails with EPIPE or ECONNRESET. When secure
//     is set and the first request on a connection fails so, the guarded
//     connection reads the alert and returns it ("remote error: tls: ...").
//     This happens only on a failed call and adds nothing to a good one.
func GuardConn(c transport.Client, secure bool) transport.Client {
	return &guardedConn{Client: c, secure: secure}
}

type guardedConn struct {
	transport.Client
	secure bool
	// answered is set once a reply has been read: the server accepted the
	// connection, and a later failure is not a handshake's.
	answered atomic.Bool

	mu      sync.Mutex
	busy    int  // Send and Recv calls in progress
	closing bool // Close was called
	closed  bool // the underlying connection was closed
}

var errClosed = errors.New("mtls: connection closed")

// begin marks a Send or Recv as running, unless the connection is closing.
func (c *guardedConn) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.busy++
	return true
}

// end marks a Send or Recv as done, and closes the connection if Close
// was called meanwhile.
func (c *guardedConn) end() {
	c.mu.Lock()
	c.busy--
	closeNow := c.busy == 0 && c.closing && !c.closed
	if closeNow {
		c.closed = true
	}
	c.mu.Unlock()
	if closeNow {
		c.Client.Close()
	}
}

func (c *guardedConn) Send(m *transport.Message) error {
	if !c.begin() {
		return errClosed
	}
	defer c.end()
	err := c.Client.Send(m)
	if err == nil || !c.secure || c.answered.Load() || !peerClosed(err) {
		return err
	}
	// go-micro queued the request before writing it, so Recv reads the
	// connection's next record: the server's alert, if it sent one.
	if rerr := c.Client.Recv(&transport.Message{}); rerr != nil &&
		strings.Contains(rerr.Error(), "tls:") {
		return rerr
	}
	return err
}

func (c *guardedConn) Recv(m *transport.Message) error {
	if !c.begin() {
		return errClosed
	}
	defer c.end()
	err := c.Client.Recv(m)
	if err == nil {
		c.answered.Store(true)
	}
	return err
}

// Close closes the connection now, or when the Send or Recv in progress
// returns.
func (c *guardedConn) Close() error {
	c.mu.Lock()
	c.closing = true
	closeNow := c.busy == 0 && !c.closed
	if closeNow {
		c.closed = true
	}
	c.mu.Unlock()
	if closeNow {
		return c.Client.Close()
	}
	return nil
}

func peerClosed(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
