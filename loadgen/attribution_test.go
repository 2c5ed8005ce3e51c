package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
)

// handshakeShare runs one mTLS scenario with profiling and returns the
// server's share of CPU in the handshake's categories, after checking
// that every side's categories add up to its total.
func handshakeShare(t *testing.T, pool string) float64 {
	t.Helper()
	res, prof := t.TempDir(), t.TempDir()
	r := loadgen(t, "run", "-transport", "mtls", "-resume", "off", "-pool", pool,
		"-duration", "1500ms", "-warmup", "200ms", "-results", res, "-profiles", prof)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(mustGlob(t, filepath.Join(res, "*", "summary.json"))[0])
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Attribution []results.AttributionRow `json:"attribution"`
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	mustGlob(t, filepath.Join(res, "*", "attribution.txt"))
	share := -1.0
	for _, row := range sum.Attribution {
		var parts float64
		for cat, ns := range row.PerCallNs {
			if cat != "total" {
				parts += ns
			}
		}
		// Each category is rounded to a nanosecond per call.
		if total := row.PerCallNs["total"]; math.Abs(parts-total) > 20 {
			t.Errorf("%s %s: categories add up to %.0f ns, total %.0f ns", row.Scenario,
				row.Side, parts, total)
		}
		if row.Side == "server" && row.PerCallNs["total"] > 0 {
			hs := row.PerCallNs["signatures"] + row.PerCallNs["certificates"] +
				row.PerCallNs["key exchange"]
			share = hs / row.PerCallNs["total"]
			t.Logf("pool=%s: handshake share of server CPU %.0f%% over %d samples", pool,
				100*share, row.Samples)
		}
	}
	if share < 0 {
		t.Fatalf("no server attribution in %+v", sum.Attribution)
	}
	return share
}

// TestAttributionShowsTheHandshakes checks the attribution on real
// profiles: with the pool off every call pays for a handshake, so the
// handshake's categories take a clearly larger share of the server's CPU
// than with a warm pool, where there are no handshakes at all.
func TestAttributionShowsTheHandshakes(t *testing.T) {
	off, on := handshakeShare(t, "off"), handshakeShare(t, "on")
	if off < on+0.15 {
		t.Errorf("handshake share of server CPU: %.0f%% with the pool off, %.0f%% with it "+
			"on; want the first clearly larger", 100*off, 100*on)
	}
}
