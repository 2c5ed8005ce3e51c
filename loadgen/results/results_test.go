package results

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/load"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

func fixtureSample(name string, rep int, interrupted bool) *runner.Sample {
	h := load.NewHistogram(time.Second)
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v * 10) // 10 µs to 10 ms
	}
	return &runner.Sample{Scenario: name, Rep: rep, Calls: 1000, OK: 1000,
		Elapsed: time.Second, NsPerOp: 1e6, Latency: runner.Summarize(h), Histogram: h,
		Interrupted: interrupted}
}

func TestPercentileText(t *testing.T) {
	s := fixtureSample("RPC/transport=plaintext/pool=on", 1, false)
	text := string(PercentileText(s.Histogram))
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if !strings.Contains(lines[0], "Value") || !strings.Contains(lines[0], "1/(1-Percentile)") {
		t.Errorf("header %q", lines[0])
	}
	if !strings.HasPrefix(lines[len(lines)-1], "#[Max     =") ||
		!strings.Contains(lines[len(lines)-1], "1000]") {
		t.Errorf("last line %q, want the max and a total count of 1000",
			lines[len(lines)-1])
	}
	// The value column is in milliseconds: the largest is 10 ms.
	var last string
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, "#") {
			last = l
		}
	}
	if f := strings.Fields(last); len(f) < 3 || !strings.HasPrefix(f[0], "10.0") ||
		f[2] != "1000" {
		t.Errorf("last percentile line %q, want 10.0xx ms and a count of 1000", last)
	}
}

// TestWriterKeepsInterruptedOutOfBenchTxt checks that bench.txt holds
// only completed samples while summary.json holds them all.
func TestWriterKeepsInterruptedOutOfBenchTxt(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "r"), filepath.Join(dir, "p"),
		Header{RunID: "test", Env: Env{GOOS: "linux"}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*runner.Sample{fixtureSample("RPC/transport=plaintext/pool=on", 1, false),
		fixtureSample("RPC/transport=plaintext/pool=on", 2, true)} {
		if err := w.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(Interrupted, "interrupted during rep 2"); err != nil {
		t.Fatal(err)
	}
	bench, _ := os.ReadFile(filepath.Join(w.Dir, "bench.txt"))
	if n := bytes.Count(bench, []byte("\nBenchmarkRPC/")); n != 1 {
		t.Errorf("bench.txt has %d result lines, want the 1 completed:\n%s", n, bench)
	}
	sum, _ := os.ReadFile(filepath.Join(w.Dir, "summary.json"))
	if !bytes.Contains(sum, []byte(`"status": "interrupted"`)) ||
		bytes.Count(sum, []byte(`"rep":`)) != 2 {
		t.Errorf("summary.json lacks the status or a sample:\n%s", sum)
	}
	if _, err := Create(filepath.Join(dir, "r"), filepath.Join(dir, "p"),
		Header{RunID: "test"}); err == nil {
		t.Error("a second run with the same id reused the directory")
	}
	left, _ := filepath.Glob(filepath.Join(w.Dir, ".tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
