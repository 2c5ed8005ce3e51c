package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// ConnMemory is what one open, idle connection of a transport holds on
// each side, measured by opening many and comparing the live heap and
// stacks before and after.
type ConnMemory struct {
	Transport   tlsconf.Transport `json:"transport"`
	Key         string            `json:"key,omitempty"`
	Connections int64             `json:"connections"`
	ClientBytes float64           `json:"client_bytes_per_connection"`
	ServerBytes float64           `json:"server_bytes_per_connection"`
}

// MeasureConnMemory opens n connections of scenario sc's transport to
// the server at ep, each with a call in progress, and returns the memory
// each holds on either side: the growth of the live heap and goroutine
// stacks, after a garbage collection, over the connections opened. It
// needs the server's control address.
func MeasureConnMemory(ctx context.Context, sc Scenario, ep Endpoint, cred Credentials,
	n int, timeout time.Duration) (ConnMemory, error) {
	out := ConnMemory{Transport: sc.Transport}
	if sc.Transport.Secure() {
		out.Key = string(sc.Profile.KeyType())
	}
	if ep.Control == nil {
		return out, errors.New("runner: memory per connection needs the server's control address")
	}
	var counters tlsconf.ClientCounters
	client := newClient(sc, cred, n, timeout, &counters)
	defer client.Close()

	serverBefore, err := ep.Control.LiveMemory()
	if err != nil {
		return out, err
	}
	clientBefore := control.LiveMemory()

	// Each held call keeps a connection of its own until released.
	var releases []func() error
	defer func() {
		for _, r := range releases {
			r()
		}
	}()
	for range n {
		release, err := client.Hold(ctx, ep.Addr)
		if err != nil {
			return out, fmt.Errorf("runner: opening connections: %w", err)
		}
		releases = append(releases, release)
	}

	clientAfter := control.LiveMemory()
	serverAfter, err := ep.Control.LiveMemory()
	if err != nil {
		return out, err
	}
	out.Connections = counters.Snapshot().Dials
	if out.Connections == 0 {
		return out, errors.New("runner: no connection was opened")
	}
	per := func(after, before uint64) float64 {
		return (float64(after) - float64(before)) / float64(out.Connections)
	}
	out.ClientBytes = per(clientAfter, clientBefore)
	out.ServerBytes = per(serverAfter, serverBefore)
	return out, nil
}
