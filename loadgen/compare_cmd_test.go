package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareCommand(t *testing.T) {
	run := reportFixture(t, "run")
	slower := reportFixture(t, "bench-slower.txt")
	otherCPU := reportFixture(t, "bench-other-cpu.txt")
	const slow = "RPC/transport=mtls/resume=on/pool=off"

	// The same run twice: no change, exit 0.
	r := loadgen(t, "compare", run, filepath.Join(run, "bench.txt"))
	if r.code != 0 || !strings.Contains(r.stdout, "sec/op") ||
		strings.Contains(r.stdout, "worse") {
		t.Errorf("same run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// A slower run: exit 1, naming the figures and the scenario.
	r = loadgen(t, "compare", run, slower)
	if r.code != 1 || !strings.Contains(r.stderr, "sec/op of "+slow) ||
		!strings.Contains(r.stderr, "p99-sec of "+slow) ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("slower run: exit %d, stderr %q", r.code, r.stderr)
	}
	// The flag may come after the runs; a threshold above the change
	// passes.
	if r := loadgen(t, "compare", run, slower, "-threshold", "60%"); r.code != 0 {
		t.Errorf("-threshold 60%%: exit %d, stderr %q", r.code, r.stderr)
	}

	// Another processor: a warning, and the exit status stays 0.
	r = loadgen(t, "compare", run, otherCPU)
	if r.code != 0 || !strings.Contains(r.stdout, "Warnings:") ||
		!strings.Contains(r.stdout, `cpu is "Intel(R) Xeon(R) Processor" in the old run`) {
		t.Errorf("other cpu: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestCompareBadInput(t *testing.T) {
	run := reportFixture(t, "run")
	missing := filepath.Join(t.TempDir(), "no-such-run")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", missing, run}, "OLD"},
		{[]string{"compare", run, missing}, "no-such-run"},
		{[]string{"compare", run}, "want OLD and NEW"},
		{[]string{"compare", run, run, run}, "want OLD and NEW"},
		{[]string{"compare", run, run, "-threshold", "lots"}, "-threshold"},
		{[]string{"compare", run, run, "-threshold", "-5%"}, "-threshold"},
		{[]string{"compare", t.TempDir(), run}, "bench.txt"},
	} {
		r := loadgen(t, c.args...)
		// A bad flag also prints the usage first, as every command does.
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		if r.code != 2 || (len(lines) != 1 && !strings.Contains(last, "flag")) ||
			!strings.HasPrefix(last, "loadgen: compare: ") || !strings.Contains(last, c.want) {
			t.Errorf("loadgen %s: exit %d, stderr %q; want exit 2 and one line naming %q",
				strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
}
