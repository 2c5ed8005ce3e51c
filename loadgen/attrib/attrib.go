// Package attrib tells where a process's CPU time went: it divides the
// samples of a CPU profile into categories (signatures, certificate
// verification, key exchange, record encryption, hashing, the rest of
// TLS, system calls and network, go-micro, the Go runtime, other),
// expresses them per call, and compares a scenario with its baseline, so
// that a table shows which parts of the TLS machinery the cost of mutual
// TLS goes to.
//
// Every sample lands in exactly one category, so the categories of a
// profile add up to its total CPU time. A sample goes to the first of
// these that has a function anywhere on its stack: certificate
// verification, signatures, key exchange and the key schedule, session
// tickets (counted as TLS), record encryption, hashing, system calls and
// network, the runtime, the rest of crypto/tls, go-micro; or else to
// other. An operation thus holds everything it calls, and verifying the
// peer's certificate chain, with the signature checks that takes, counts
// as certificate verification, not as signatures. rules.go lists the
// functions and explains each choice.
//
// Note: the figures are the profile's sampled CPU time (100 samples a
// second by default), which is usually a little less than the CPU time
// the operating system accounts to the process.
package attrib

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// A Category is a part of the work a process does.
type Category int

// The categories, in the order tables show them. Which one a sample
// belongs to is decided by the rules in rules.go.
const (
	// Signatures is making and checking the handshake's signatures
	// (ECDSA, RSA, Ed25519), with everything they call.
	Signatures Category = iota
	// Certificates is parsing and verifying the peer's certificate
	// chain, including the signature checks of the chain itself.
	Certificates
	// KeyExchange is the ephemeral key exchange (ECDH, X25519, ML-KEM)
	// and the key schedule that derives the session's keys from it.
	KeyExchange
	// Record is encrypting and decrypting TLS records.
	Record
	// Hashing is hashing not counted above: handshake transcripts,
	// Finished messages, HMAC and HKDF.
	Hashing
	// TLS is the rest of crypto/tls: building and parsing handshake
	// messages, record framing, session tickets.
	TLS
	// Network is system calls and the network stack, including the
	// runtime's network poller.
	Network
	// Micro is go-micro with its HTTP transport and codecs, and the echo
	// service.
	Micro
	// Runtime is the Go runtime's own work: allocation, garbage
	// collection, scheduling, stack growth.
	Runtime
	// Other is everything else.
	Other

	// NumCategories is the number of categories.
	NumCategories
)

var categoryNames = [NumCategories]string{
	Signatures:   "signatures",
	Certificates: "certificates",
	KeyExchange:  "key exchange",
	Record:       "record crypto",
	Hashing:      "hashing",
	TLS:          "tls (rest)",
	Network:      "syscalls, net",
	Micro:        "go-micro",
	Runtime:      "runtime, GC",
	Other:        "other",
}

// String returns the category's name, as tables show it.
func (c Category) String() string {
	if c < 0 || c >= NumCategories {
		return fmt.Sprintf("Category(%d)", int(c))
	}
	return categoryNames[c]
}

// A Breakdown is a CPU profile's time by category.
type Breakdown struct {
	// CPU is the CPU time of each category, in nanoseconds.
	CPU [NumCategories]int64
	// Total is the profile's CPU time in nanoseconds, the sum of CPU.
	Total int64
	// Samples is the number of profiling samples: the sum of the
	// "samples" values, or the number of sample records when the
	// profile has no such values.
	Samples int64
}

// Categorize divides the CPU time of p's samples into categories. p must
// have a "cpu" sample type in nanoseconds, as runtime/pprof writes.
func Categorize(p *profile.Profile) (Breakdown, error) {
	var b Breakdown
	if p == nil {
		return b, errors.New("attrib: no profile")
	}
	cpu, count := -1, -1
	var types []string
	for i, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
		switch st.Type {
		case "cpu":
			if st.Unit != "nanoseconds" {
				return b, fmt.Errorf("attrib: cpu samples are in %q, want nanoseconds", st.Unit)
			}
			cpu = i
		case "samples":
			count = i
		}
	}
	if cpu < 0 {
		return b, fmt.Errorf("attrib: not a CPU profile: sample types %s, want cpu/nanoseconds",
			strings.Join(types, ", "))
	}

	m := newMatcher(rules)
	for i, s := range p.Sample {
		if len(s.Value) != len(p.SampleType) {
			return b, fmt.Errorf("attrib: sample %d has %d values for %d sample types",
				i, len(s.Value), len(p.SampleType))
		}
		c := m.category(s)
		b.CPU[c] += s.Value[cpu]
		b.Total += s.Value[cpu]
		if count >= 0 {
			b.Samples += s.Value[count]
		} else {
			b.Samples++
		}
	}
	return b, nil
}

// PerCall is a Breakdown divided by a number of calls.
type PerCall struct {
	// CPU is each category's CPU time per call.
	CPU [NumCategories]time.Duration
	// Total is the CPU time per call.
	Total time.Duration
}

// PerOp divides b by calls, rounding each figure to the nearest
// nanosecond, so the categories may add up to a few nanoseconds more or
// less than Total. For calls ≤ 0 it returns the zero PerCall: a caller
// that can have no calls should check for that first.
func (b Breakdown) PerOp(calls int64) PerCall {
	var pc PerCall
	if calls <= 0 {
		return pc
	}
	div := func(ns int64) time.Duration {
		q, r := ns/calls, ns%calls
		if 2*r >= calls {
			q++
		} else if 2*r <= -calls {
			q--
		}
		return time.Duration(q)
	}
	for c, ns := range b.CPU {
		pc.CPU[c] = div(ns)
	}
	pc.Total = div(b.Total)
	return pc
}
