package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportFixture is a captured run directory that package report's tests
// also use.
func reportFixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("report", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// copyRun copies the fixture run into a new directory, so the report
// is written there.
func copyRun(t *testing.T) string {
	t.Helper()
	src := reportFixture(t, "run")
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
	}
	return dir
}

func TestReportCommand(t *testing.T) {
	dir := copyRun(t)
	r := loadgen(t, "report", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"report.md", "report.html", "report-latency.png",
		"report-overhead.png", "report-handshakes.png", "report-cpu.png"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(r.stdout, "wrote "+p+"\n") {
			t.Errorf("stdout does not name %s:\n%s", p, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "no CPU attribution") {
		t.Errorf("stderr does not say the attribution chart is left out:\n%s", r.stderr)
	}

	// The same run gives the same report.
	first, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if r := loadgen(t, "report", dir); r.code != 0 {
		t.Fatalf("second report: exit %d: %s", r.code, r.stderr)
	}
	second, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if string(first) != string(second) {
		t.Error("two reports of the same run differ")
	}
}

// TestReportBadInput checks that a missing or wrong run directory ends
// with one line naming it and exit status 2.
func TestReportBadInput(t *testing.T) {
	empty := t.TempDir()
	missing := filepath.Join(empty, "no-such-run")
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "summary.json"), []byte("{"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", missing}, "no-such-run"},
		{[]string{"report", empty}, "summary.json"},
		{[]string{"report", bad}, "summary.json"},
		{[]string{"report"}, "want one run directory"},
		{[]string{"report", empty, empty}, "want one run directory"},
		{[]string{"report", "-nosuchflag", empty}, "nosuchflag"},
	} {
		r := loadgen(t, c.args...)
		// A bad flag also prints the usage first, as every command does.
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		if r.code != 2 || (len(lines) != 1 && !strings.Contains(last, "flag")) ||
			!strings.HasPrefix(last, "loadgen: report: ") || !strings.Contains(last, c.want) {
			t.Errorf("loadgen %s: exit %d, stderr %q; want exit 2 and one line naming %q",
				strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
}
