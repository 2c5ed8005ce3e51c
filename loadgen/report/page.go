package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

// A block is a piece of the report's content: a heading, paragraphs, a
// table, a code block, a chart or a list, in that order when a block
// has more than one. report.md and report.html lay out the same blocks.
type block struct {
	Heading string
	Level   int // of the heading: 1 to 3
	Paras   []string
	Table   *table
	Code    string
	Chart   *chart
	List    []string
}

// A table is a header and rows of cells; Right marks the columns of
// numbers.
type table struct {
	Head  []string
	Right []bool
	Rows  [][]string
}

const notRecorded = "not recorded"

// runTable describes how the run was made.
func runTable(r *Run) *table {
	h := r.Header
	t := &table{Head: []string{"setting", "value"}}
	add := func(k, v string) { t.Rows = append(t.Rows, []string{k, v}) }
	add("run", orNot(h.RunID))
	add("started", orNot(timeString(h.Started)))
	add("status", orNot(string(r.Status)))
	if r.Reason != "" {
		add("reason", r.Reason)
	}
	add("scenarios", fmt.Sprint(len(r.Scenarios)))
	add("repetitions per scenario", positive(h.Count))
	add("concurrency", positive(h.Concurrency))
	add("payload", runner.SizeName(h.Payload))
	add("warmup per sample", h.Warmup.String())
	add("measurement per sample", h.Duration.String())
	add("timeout per call", h.Timeout.String())
	if h.Target != "" {
		add("target", h.Target)
	}
	add("CPU profiles", map[bool]string{true: "taken", false: "not taken"}[h.Profile])
	return t
}

func envTable(e results.Env) *table {
	t := &table{Head: []string{"environment", "value"}}
	add := func(k, v string) { t.Rows = append(t.Rows, []string{k, v}) }
	add("CPU model", orNot(e.CPU))
	add("logical CPUs", positive(e.NumCPU))
	add("GOMAXPROCS", positive(e.GOMAXPROCS))
	platform := e.GOOS + "/" + e.GOARCH
	if e.GOOS == "" {
		platform = ""
	}
	add("OS/architecture", orNot(platform))
	add("kernel", orNot(e.Kernel))
	add("Go", orNot(e.GoVersion))
	add("go-micro", orNot(e.GoMicro))
	aes := notRecorded
	if e.AES != nil {
		aes = map[bool]string{true: "yes", false: "no"}[*e.AES]
	}
	add("AES instructions", aes)
	add("suite commit", orNot(e.Commit))
	return t
}

// overheadSections lays out the comparisons: a table at a glance with
// the change of each charted figure, and a table per figure.
func overheadSections(ovs []overhead) (*table, []block) {
	glance := &table{Head: []string{"scenario", "against"}, Right: []bool{false, false}}
	var shown []metric
	for _, m := range metrics {
		if m.chart {
			shown = append(shown, m)
			glance.Head = append(glance.Head, m.name)
			glance.Right = append(glance.Right, true)
		}
	}
	var secs []block
	rowOf := map[string]int{}
	for _, m := range metrics {
		sec := block{Heading: m.name + " (" + m.unit + ")", Level: 3, Table: &table{
			Head:  []string{"scenario", "plaintext", "this", "change", "95% range", "p", "n"},
			Right: []bool{false, true, true, true, true, true, true}}}
		for _, o := range ovs {
			if o.m.unit != m.unit {
				continue
			}
			change := pct(o.pct)
			if !o.significant() {
				change = "~ (" + change + ")"
			}
			rng := "?"
			if !math.IsNaN(o.lo) {
				rng = pct(o.lo) + " to " + pct(o.hi)
			}
			sec.Table.Rows = append(sec.Table.Rows, []string{shortName(o.Scenario),
				m.withCI(o.Base), m.withCI(o.This), change, rng, pvalue(o.Cmp),
				fmt.Sprintf("%d+%d", o.Cmp.N1, o.Cmp.N2)})
			if !m.chart {
				continue
			}
			i, ok := rowOf[o.Scenario]
			if !ok {
				i = len(glance.Rows)
				rowOf[o.Scenario] = i
				row := []string{shortName(o.Scenario), shortName(o.Baseline)}
				for range shown {
					row = append(row, "")
				}
				glance.Rows = append(glance.Rows, row)
			}
			cellText := "~"
			if o.significant() {
				cellText = pct(o.pct)
			}
			glance.Rows[i][2+slices.IndexFunc(shown, func(s metric) bool {
				return s.unit == m.unit
			})] = cellText
		}
		if len(sec.Table.Rows) > 0 {
			secs = append(secs, sec)
		}
	}
	return glance, secs
}

// scenarioTable has a line per scenario with the medians over its
// samples, as results.Table prints them.
func scenarioTable(r *Run) *table {
	t := &table{Head: []string{"scenario", "n", "calls/s", "p50", "p99", "p99.9",
		"full hs/1000", "resumed/1000", "client CPU/call", "server CPU/call", "errors"},
		Right: []bool{false, true, true, true, true, true, true, true, true, true, true}}
	by := r.bySample()
	for _, name := range r.Scenarios {
		ss := by[name]
		dur := func(get func(*runner.Sample) (float64, bool)) string {
			v, ok := median(ss, get)
			if !ok {
				return "n/a"
			}
			return time.Duration(math.Round(v)).Round(time.Microsecond).String()
		}
		num := func(get func(*runner.Sample) (float64, bool), f string) string {
			v, ok := median(ss, get)
			if !ok {
				return "n/a"
			}
			return fmt.Sprintf(f, v)
		}
		var errs int64
		for _, s := range ss {
			errs += s.Errors
		}
		t.Rows = append(t.Rows, []string{shortName(name), fmt.Sprint(len(ss)),
			num(func(s *runner.Sample) (float64, bool) {
				return float64(s.Calls) / s.Elapsed.Seconds(), true
			}, "%.0f"),
			dur(latency(func(l runner.Latency) int64 { return l.P50 })),
			dur(latency(func(l runner.Latency) int64 { return l.P99 })),
			dur(latency(func(l runner.Latency) int64 { return l.P999 })),
			num(fullPer1000, "%.1f"), num(resumedPer1000, "%.1f"),
			dur(clientCPUNs), dur(serverCPUNs), fmt.Sprint(errs)})
	}
	return t
}

func latency(f func(runner.Latency) int64) func(*runner.Sample) (float64, bool) {
	return func(s *runner.Sample) (float64, bool) { return float64(f(s.Latency)), true }
}

// sampleWarnings lists each distinct warning of a scenario's samples,
// with how many samples had it.
func sampleWarnings(r *Run) []string {
	var out []string
	by := r.bySample()
	for _, name := range r.Scenarios {
		count := map[string]int{}
		var order []string
		for _, s := range by[name] {
			for _, w := range s.Warnings {
				if count[w] == 0 {
					order = append(order, w)
				}
				count[w]++
			}
		}
		for _, w := range order {
			out = append(out, fmt.Sprintf("%s: %s (%d of %d samples)", shortName(name), w,
				count[w], len(by[name])))
		}
	}
	return out
}

func orNot(s string) string {
	if s == "" {
		return notRecorded
	}
	return s
}

func positive(n int) string {
	if n <= 0 {
		return notRecorded
	}
	return fmt.Sprint(n)
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// joinArgs writes a command line so that a shell reads it back the same.
func joinArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool {
			return !strings.ContainsRune("-_=./:,%+@", r) &&
				!('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		}) {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
