package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

func TestGrowthWarnings(t *testing.T) {
	flat := make([]ResourcePoint, 20)
	for i := range flat {
		flat[i] = ResourcePoint{At: time.Duration(i) * time.Second, ClientGoroutines: 30 + i%3,
			ClientFiles: 12, ClientRSS: 40 << 20, ServerGoroutines: 25, ServerFiles: 10,
			ServerRSS: 30 << 20}
	}
	if w := growthWarnings(flat); len(w) != 0 {
		t.Errorf("flat series: %q", w)
	}
	leaky := append([]ResourcePoint(nil), flat...)
	for i := range leaky {
		leaky[i].ServerGoroutines = 25 + 10*i
	}
	w := growthWarnings(leaky)
	if len(w) != 1 || !strings.Contains(w[0], "server goroutines grew") {
		t.Errorf("growing server goroutines: %q", w)
	}
	if w := growthWarnings(leaky[:5]); len(w) != 0 {
		t.Errorf("five points: %q", w)
	}
}

// TestResourcesAreSampled checks that a measurement with an interval
// records both sides' goroutines, open files and memory over time.
func TestResourcesAreSampled(t *testing.T) {
	ep := serve(t, "mtls")
	o := quick(2, 0)
	o.Duration, o.Interval = 500*time.Millisecond, 100*time.Millisecond
	s := run(t, Scenario{Transport: "mtls"}, ep, validCreds(), o)
	if n := len(s.Resources); n < 3 || n > 6 {
		t.Fatalf("%d resource points in 500 ms at one per 100 ms", n)
	}
	for _, p := range s.Resources {
		if p.ClientGoroutines == 0 || p.ServerGoroutines == 0 {
			t.Errorf("point %+v lacks goroutine counts", p)
		}
		if p.ClientFiles == -1 {
			t.Skip("no /proc/self/fd here")
		}
		if p.ClientFiles == 0 || p.ServerFiles == 0 || p.ServerRSS == 0 {
			t.Errorf("point %+v lacks open files or memory", p)
		}
	}
	if len(s.Intervals) < 4 {
		t.Errorf("%d latency intervals", len(s.Intervals))
	}
}

func TestMeasureConnMemory(t *testing.T) {
	for _, tr := range []tlsconf.Transport{tlsconf.Plaintext, tlsconf.MTLS} {
		ep := serve(t, tr)
		m, err := MeasureConnMemory(context.Background(), Scenario{Transport: tr}, ep,
			validCreds(), 50, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: client %.0f B, server %.0f B per connection over %d", tr, m.ClientBytes,
			m.ServerBytes, m.Connections)
		if m.Connections != 50 {
			t.Errorf("%s: %d connections opened for 50 simultaneous calls", tr, m.Connections)
		}
		// Each open connection holds at least its buffers and a goroutine
		// on the server.
		if m.ServerBytes < 1024 || m.ClientBytes < 1024 {
			t.Errorf("%s: %.0f B on the server and %.0f B on the client per connection",
				tr, m.ServerBytes, m.ClientBytes)
		}
	}
	if _, err := MeasureConnMemory(context.Background(), Scenario{}, Endpoint{Addr: "x"},
		Credentials{}, 1, time.Second); err == nil {
		t.Error("no error without a control address")
	}
}
