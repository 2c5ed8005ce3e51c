package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func TestLimitWarnings(t *testing.T) {
	l := Limits{Ports: 28232, OpenFiles: 1024, TWReuse: 0}
	const remote = "192.0.2.1:8080" // never dialled: only its form matters
	if w := l.PlanWarnings(100); len(w) != 0 {
		t.Errorf("100 callers under 1024 files: %q", w)
	}
	if w := l.PlanWarnings(1000); len(w) != 1 || !strings.Contains(w[0], "ulimit -n") {
		t.Errorf("1000 callers under 1024 files: %q", w)
	}
	slow := &Sample{Elapsed: 10 * time.Second, Client: tlsconf.Handshakes{Dials: 1000}}
	if w := l.RateWarning(slow, remote); w != "" {
		t.Errorf("100 dials/s: %q", w)
	}
	fast := &Sample{Elapsed: 10 * time.Second, Client: tlsconf.Handshakes{Dials: 5000}}
	if w := l.RateWarning(fast, remote); !strings.Contains(w, "run out of local ports") {
		t.Errorf("500 dials/s with 28232 ports: %q", w)
	}
	if (Limits{}).RateWarning(fast, remote) != "" {
		t.Error("a warning with an unknown port range")
	}
	l.TWReuse = 2 // the Linux default: reuse for loopback only
	if w := l.RateWarning(fast, "127.0.0.1:8080"); w != "" {
		t.Errorf("loopback with tcp_tw_reuse=2: %q", w)
	}
	if w := l.RateWarning(fast, remote); w == "" {
		t.Error("no warning for a remote target with tcp_tw_reuse=2")
	}
	if m := MachineLimits(); m.Ports == 0 || m.OpenFiles == 0 {
		t.Logf("limits on this machine not fully known: %+v", m)
	}
}
