package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// slowScenario is the scenario the slower fixture slows down.
const slowScenario = "RPC/transport=mtls/resume=on/pool=off"

// derive rewrites the fixture's bench.txt through edit, which may change
// a result in place or return false to drop it.
func derive(t *testing.T, edit func(*benchfmt.Result) bool) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(fixture, "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	w := benchfmt.NewWriter(&b)
	rd := benchfmt.NewReader(f, "bench.txt")
	for rd.Scan() {
		r, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			t.Fatalf("bench.txt: %v", rd.Result())
		}
		if edit(r) {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b.Bytes()
}

// slower is the fixture with the wall time per call and the p99 latency
// of slowScenario 1.5 times as large.
func slower(r *benchfmt.Result) bool {
	if r.Name.String() == slowScenario {
		for i, v := range r.Values {
			if v.OrigUnit == "ns/op" || v.OrigUnit == "p99-ns" {
				r.Values[i].Value *= 1.5
				r.Values[i].OrigValue *= 1.5
			}
		}
	}
	return true
}

// otherCPU is the fixture as if measured on another processor.
func otherCPU(r *benchfmt.Result) bool {
	if i, ok := r.ConfigIndex("cpu"); ok {
		r.Config[i].Value = []byte("AMD EPYC 7B13")
	}
	return true
}

// TestDerivedFixtures keeps the derived bench.txt files, which the
// command's tests also use, in step with how they are made.
func TestDerivedFixtures(t *testing.T) {
	checkGolden(t, "bench-slower.txt", derive(t, slower))
	checkGolden(t, "bench-other-cpu.txt", derive(t, otherCPU))
}

func readBench(t *testing.T, path string) *Bench {
	t.Helper()
	b, err := ReadBench(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompareSameRun(t *testing.T) {
	b := readBench(t, fixture)
	c := Compare(b, readBench(t, filepath.Join(fixture, "bench.txt")), 0.05)
	if w := c.Worse(); len(w) != 0 {
		t.Errorf("a run compared with itself got worse: %+v", w)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	if len(c.Rows) != len(b.Scenarios)*len(b.Units) {
		t.Errorf("%d rows for %d scenarios and %d units", len(c.Rows), len(b.Scenarios),
			len(b.Units))
	}
	checkGolden(t, "compare-same.golden", c.Text())
}

func TestCompareSlower(t *testing.T) {
	c := Compare(readBench(t, fixture), readBench(t, "testdata/bench-slower.txt"), 0.05)
	var got []string
	for _, r := range c.Worse() {
		got = append(got, r.Unit+" "+r.Scenario)
	}
	want := []string{"sec/op " + slowScenario, "p99-sec " + slowScenario}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("worse: %q, want %q", got, want)
	}
	text := string(c.Text())
	if !strings.Contains(text, "Worse by more than 5%:\n  sec/op of "+slowScenario+": +50.00%") {
		t.Errorf("the text does not name the slower figure:\n%s", text)
	}

	// With a threshold above the change, nothing is worse.
	if w := Compare(readBench(t, fixture), readBench(t, "testdata/bench-slower.txt"),
		0.6).Worse(); len(w) != 0 {
		t.Errorf("worse by more than 60%%: %+v", w)
	}
}

func TestCompareWarnings(t *testing.T) {
	c := Compare(readBench(t, fixture), readBench(t, "testdata/bench-other-cpu.txt"), 0.05)
	if len(c.Worse()) != 0 || len(c.Warnings) != 1 ||
		!strings.Contains(c.Warnings[0], `cpu is "Intel(R) Xeon(R) Processor" in the old run `+
			`and "AMD EPYC 7B13" in the new one`) {
		t.Errorf("worse %v, warnings %q", c.Worse(), c.Warnings)
	}

	// Three repetitions in the new run: too few for an interval.
	seen := map[string]int{}
	few := filepath.Join(t.TempDir(), "bench.txt")
	os.WriteFile(few, derive(t, func(r *benchfmt.Result) bool {
		seen[r.Name.String()]++
		return seen[r.Name.String()] <= 3
	}), 0o644)
	c = Compare(readBench(t, fixture), readBench(t, few), 0.05)
	if !strings.Contains(strings.Join(c.Warnings, "\n"),
		"need >= 6 samples for confidence interval at level 0.95") {
		t.Errorf("no warning about too few samples: %q", c.Warnings)
	}
}

func TestReadBenchErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadBench(filepath.Join(dir, "missing")); !errors.Is(err, ErrNoRun) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadBench(dir); !errors.Is(err, ErrNoRun) {
		t.Errorf("directory without bench.txt: %v", err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("goos: linux\nBenchmarkX 10 many ns/op\n"), 0o644)
	if _, err := ReadBench(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("syntax error: %v", err)
	}
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("goos: linux\n"), 0o644)
	if _, err := ReadBench(empty); err == nil || !strings.Contains(err.Error(), "no benchmark") {
		t.Errorf("no results: %v", err)
	}
}
