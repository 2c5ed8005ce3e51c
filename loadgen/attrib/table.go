package attrib

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// A Row is one side of one scenario, as Table shows it.
type Row struct {
	// Scenario is the scenario's name.
	Scenario string
	// Side is "client" or "server".
	Side string
	// Breakdown is the side's CPU profile by category.
	Breakdown Breakdown
	// Calls is the number of calls the profile covers.
	Calls int64
	// Baseline, if not nil, is what the row is compared with: usually
	// the plaintext scenario with the same pooling, same side.
	Baseline *Baseline
}

// A Baseline is the profile a Row is compared with.
type Baseline struct {
	Scenario  string
	Breakdown Breakdown
	Calls     int64
}

// columnsPerBlock keeps a table with cells like "1234.5 (+1200.3)" under
// about 110 columns.
const columnsPerBlock = 5

// Table writes the CPU time per call of each row by category, in
// microseconds, with a line for each category and a total line. A row
// with a baseline shows, in brackets after each figure, its difference
// from the baseline per call: where the row's extra cost goes.
//
// Rows are columns, numbered and named in a legend above the table;
// more than five rows make several tables, one under the other. A row
// or baseline with no calls shows n/a.
func Table(w io.Writer, rows []Row) error {
	if _, err := fmt.Fprintln(w, "CPU per call by category, µs "+
		"(in brackets: the difference from the baseline per call)"); err != nil {
		return err
	}
	for start := 0; start < len(rows); start += columnsPerBlock {
		end := min(start+columnsPerBlock, len(rows))
		if err := block(w, rows[start:end], start); err != nil {
			return err
		}
	}
	return nil
}

// block writes the legend and the table of rows, the first of which is
// row number first (from 0).
func block(w io.Writer, rows []Row, first int) error {
	var b strings.Builder
	b.WriteString("\n")
	for i, r := range rows {
		fmt.Fprintf(&b, "[%d] %s, %s: %s\n", first+i+1, r.Scenario, r.Side,
			counts(r.Calls, r.Breakdown))
		if bl := r.Baseline; bl != nil {
			fmt.Fprintf(&b, "    baseline %s: %s\n", bl.Scenario, counts(bl.Calls, bl.Breakdown))
		}
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}

	// Every cell but the first brings its own leading spaces, so that
	// the labels, padded here, can start the line while the figures are
	// aligned right.
	tw := tabwriter.NewWriter(w, 0, 0, 0, ' ', tabwriter.AlignRight)
	width := len("total")
	for c := range NumCategories {
		width = max(width, len(c.String()))
	}
	line := func(label string, get func(PerCall) time.Duration) {
		fmt.Fprint(tw, label, strings.Repeat(" ", width-len(label)), "\t")
		for i, r := range rows {
			if get == nil { // the heading; no empty cell at the end to pad
				fmt.Fprintf(tw, "  [%d]\t", first+i+1)
				if i < len(rows)-1 {
					fmt.Fprint(tw, "\t")
				}
				continue
			}
			abs, diff := cell(r, get)
			fmt.Fprint(tw, "  ", abs, "\t", diff, "\t")
		}
		fmt.Fprintln(tw)
	}

	line("", nil)
	for c := range NumCategories {
		line(c.String(), func(pc PerCall) time.Duration { return pc.CPU[c] })
	}
	line("total", func(pc PerCall) time.Duration { return pc.Total })
	return tw.Flush()
}

// counts says how many calls and profiling samples a profile holds.
func counts(calls int64, b Breakdown) string {
	return fmt.Sprintf("%d calls, %d samples", calls, b.Samples)
}

// cell formats one figure of a row, picked by get, and its difference
// from the row's baseline in brackets, or "" when the row has none.
func cell(r Row, get func(PerCall) time.Duration) (abs, diff string) {
	if r.Baseline != nil {
		diff = " (n/a)"
	}
	if r.Calls <= 0 {
		return "n/a", diff
	}
	v := get(r.Breakdown.PerOp(r.Calls))
	abs = fmt.Sprintf("%.1f", micros(v))
	if r.Baseline == nil || r.Baseline.Calls <= 0 {
		return abs, diff
	}
	base := get(r.Baseline.Breakdown.PerOp(r.Baseline.Calls))
	d := math.Round(micros(v-base)*10) / 10
	if d == 0 {
		d = 0 // no "-0.0"
	}
	return abs, fmt.Sprintf(" (%+.1f)", d)
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
