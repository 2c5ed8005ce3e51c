package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// TestOpenLoopWithStall runs a fixed rate against a server that stalls
// once: every scheduled call is measured, the stall shows in the tail,
// and the interval log reads back and adds up to the run's count.
func TestOpenLoopWithStall(t *testing.T) {
	res := t.TempDir()
	r := loadgen(t, "run", "-transport", "plaintext", "-rate", "200", "-duration", "2s",
		"-warmup", "0", "-inject-stall", "300ms@700ms", "-interval", "500ms",
		"-profile=false", "-results", res)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, res).Samples[0]
	if s.OpenLoop == nil {
		t.Fatal("no open-loop figures in summary.json")
	}
	if s.OpenLoop.Scheduled < 390 || s.OpenLoop.Scheduled > 410 || s.Calls != s.OpenLoop.Scheduled {
		t.Errorf("%d scheduled, %d made at 200/s for 2 s", s.OpenLoop.Scheduled, s.Calls)
	}
	// About 60 calls were due during the 300 ms stall: over 1% of 400,
	// so the 99th percentile is in it.
	if p99 := time.Duration(s.Latency.P99); p99 < 150*time.Millisecond {
		t.Errorf("p99 %v: the 300 ms stall does not show", p99)
	}
	if s.OpenLoop.AchievedRate < 180 || s.OpenLoop.AchievedRate > 220 {
		t.Errorf("achieved %.0f calls/s of 200", s.OpenLoop.AchievedRate)
	}

	// The same stall under a closed loop of 2 callers: only the 2 calls in
	// flight wait it out, and the percentiles hide it.
	closedRes := t.TempDir()
	r = loadgen(t, "run", "-transport", "plaintext", "-concurrency", "2", "-duration", "2s",
		"-warmup", "0", "-inject-stall", "300ms@700ms", "-profile=false", "-results", closedRes)
	if r.code != 0 {
		t.Fatalf("closed loop: exit %d: %s", r.code, r.stderr)
	}
	closed := readSummary(t, closedRes).Samples[0]
	t.Logf("p99 with a 300 ms stall: open loop %v, closed loop %v",
		time.Duration(s.Latency.P99), time.Duration(closed.Latency.P99))
	if closed.Latency.P99*5 > s.Latency.P99 {
		t.Errorf("closed-loop p99 %v is not far below the open loop's %v",
			time.Duration(closed.Latency.P99), time.Duration(s.Latency.P99))
	}

	hlog := mustGlob(t, filepath.Join(res, "*", "*.hlog"))[0]
	f, err := os.Open(hlog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := hdrhistogram.NewHistogramLogReader(f)
	var total, intervals int64
	for {
		h, err := rd.NextIntervalHistogram()
		if err == io.EOF || (err == nil && h == nil) {
			break
		}
		if err != nil {
			t.Fatalf("reading %s: %v", hlog, err)
		}
		total += h.TotalCount()
		intervals++
	}
	if total != s.OK || intervals < 4 {
		t.Errorf("interval log: %d intervals holding %d values, the run %d calls", intervals,
			total, s.OK)
	}
	csv, err := os.ReadFile(mustGlob(t, filepath.Join(res, "*", "*.intervals.csv"))[0])
	if err != nil || !strings.HasPrefix(string(csv), "rep,start_s,end_s,ok,errors") {
		t.Errorf("intervals.csv: %v\n%s", err, csv)
	}
}

// TestSweepFindsKnees sweeps two transports with a loose objective and
// checks that each gets a capacity and mTLS a cost.
func TestSweepFindsKnees(t *testing.T) {
	res := t.TempDir()
	r := loadgen(t, "sweep", "-transports", "plaintext,mtls", "-start", "100", "-factor", "2",
		"-max-rate", "400", "-slo", "p99=2s", "-duration", "300ms", "-warmup", "0",
		"-profile=false", "-results", res)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"plaintext", "mtls", "capacity cost against plaintext"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	mustGlob(t, filepath.Join(res, "*", "sweep.txt"))
	if n := len(readSummary(t, res).Samples); n != 6 {
		t.Errorf("%d samples, want 3 rates for each of 2 transports", n)
	}
	bad := loadgen(t, "sweep", "-slo", "p99<5ms")
	if bad.code != 2 || !strings.Contains(bad.stderr, "-slo") {
		t.Errorf("bad -slo: exit %d, %s", bad.code, bad.stderr)
	}
}
