package load

import (
	"context"
	"errors"
	"strings"
	"syscall"

	merrors "github.com/micro/go-micro/v2/errors"
)

// Class is a kind of RPC failure.
type Class string

// The failure classes, from the most specific.
const (
	// TLSServerRejected: the server refused the TLS handshake, for
	// example because the client sent no certificate or one it does not
	// trust. Under TLS 1.3 this arrives on the first read, after the
	// client's own handshake already succeeded.
	TLSServerRejected Class = "tls-rejected-by-server"
	// TLSClientRejected: the client refused the server, for example an
	// untrusted certificate or a name that does not match.
	TLSClientRejected Class = "tls-rejected-by-client"
	// Timeout: no answer within the request timeout.
	Timeout Class = "timeout"
	// Refused: nothing listens at the address.
	Refused Class = "refused"
	// Reset: the peer closed or reset the connection mid-call.
	Reset Class = "reset"
	// ClientPorts: the load generator's machine ran out of local ports,
	// usually because closed connections wait in TIME_WAIT. A limit of
	// the client's machine, not a fault of the server.
	ClientPorts Class = "client-ports-exhausted"
	// ClientFiles: the load generator hit its open-files limit. Also a
	// limit of the client's machine.
	ClientFiles Class = "client-open-files-limit"
	// Other is every failure not above.
	Other Class = "other"
)

// Classes lists every class in the order reports show them.
var Classes = []Class{TLSServerRejected, TLSClientRejected, Timeout, Refused, Reset,
	ClientPorts, ClientFiles, Other}

// Classify sorts an RPC error into a Class. go-micro flattens the errors
// of its transport into text, so most classes are recognised by the
// messages that crypto/tls and the kernel produce.
func Classify(err error) Class {
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	var me *merrors.Error
	if errors.As(err, &me) && me.Code == 408 {
		return Timeout
	}
	switch {
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return ClientPorts
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return ClientFiles
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Reset
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "cannot assign requested address"):
		return ClientPorts
	case strings.Contains(msg, "too many open files"):
		return ClientFiles
	case strings.Contains(msg, "remote error: tls:"),
		// net/http's answer when plaintext reaches a TLS listener.
		strings.Contains(msg, "HTTP request to an HTTPS server"):
		return TLSServerRejected
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return TLSClientRejected
	case strings.Contains(msg, "connection refused"):
		return Refused
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"),
		strings.Contains(msg, "EOF"):
		return Reset
	case strings.Contains(msg, "timeout"), strings.Contains(msg, "deadline exceeded"):
		return Timeout
	}
	return Other
}
