// Package runner runs benchmark scenarios: it sets up a go-micro client
// for a scenario, warms it up, measures it with the load engine, and
// collects what both ends counted into a Sample. It also starts echo
// servers in child processes, so that the client's and the server's CPU
// time and profiles stay apart.
package runner

import (
	"fmt"
	"strconv"

	"github.com/mtlsbench/gomicro-mtls/loadgen/echo"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// A Scenario is one combination of the dimensions being compared.
type Scenario struct {
	Transport tlsconf.Transport
	// Resume gives the client a TLS session cache. Meaningless, and
	// left out of the name, for plaintext.
	Resume bool
	// PoolSize is go-micro's connection pool size: 0 dials a new
	// connection for every call.
	PoolSize int
	// Profile pins TLS parameters; its zero value pins none. Ignored for
	// plaintext.
	Profile tlsconf.Profile
	// Payload is the request size in bytes, when the scenario fixes it;
	// 0 means the run's -payload, and leaves size out of the name.
	Payload int
}

// Name is the scenario's name in benchstat's key=value form, for
// example "RPC/transport=mtls/resume=on/pool=off".
func (s Scenario) Name() string {
	name := "RPC/transport=" + string(s.Transport)
	if s.Transport.Secure() {
		name += "/resume=" + OnOff(s.Resume)
	}
	name += "/pool=" + PoolName(s.PoolSize)
	if p := s.Profile.Name(); p != "" && s.Transport.Secure() {
		name += "/" + p
	}
	if s.Payload != 0 {
		name += "/size=" + SizeName(s.Payload)
	}
	return name
}

// SizeName names a byte count as scenario names spell it: 64B, 1KiB,
// 1MiB.
func SizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// Baseline is the plaintext scenario with the same pooling and payload,
// which a TLS scenario is compared with.
func (s Scenario) Baseline() Scenario {
	return Scenario{Transport: tlsconf.Plaintext, PoolSize: s.PoolSize, Payload: s.Payload}
}

// CoreMatrix is the default set of scenarios: plaintext with the pool on
// and off, and TLS and mutual TLS with each combination of resumption
// and pooling.
func CoreMatrix() []Scenario {
	var out []Scenario
	for _, t := range tlsconf.Transports {
		for _, resume := range []bool{true, false} {
			if !t.Secure() && !resume {
				continue
			}
			for _, pool := range []int{echo.DefaultPoolSize, 0} {
				out = append(out, Scenario{Transport: t, Resume: resume && t.Secure(),
					PoolSize: pool})
			}
		}
	}
	return out
}

// OnOff names a boolean as "on" or "off".
func OnOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// ParseOnOff reads "on" or "off".
func ParseOnOff(flag, s string) (bool, error) {
	switch s {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("-%s %q: want on or off", flag, s)
}

// PoolName names a pool size: "on" for go-micro's default, "off" for no
// pool, otherwise the number.
func PoolName(size int) string {
	switch size {
	case echo.DefaultPoolSize:
		return "on"
	case 0:
		return "off"
	}
	return strconv.Itoa(size)
}

// ParsePool reads a pool setting: "on", "off" or a size from 0 to 10000.
func ParsePool(s string) (int, error) {
	switch s {
	case "on":
		return echo.DefaultPoolSize, nil
	case "off":
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 10000 {
		return 0, fmt.Errorf("-pool %q: want on, off or a size from 0 to 10000", s)
	}
	return n, nil
}
