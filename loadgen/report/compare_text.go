package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// Text lays the comparison out as benchstat does: a table per unit with
// each run's median ± its 95% confidence interval and the change, shown
// when p < alpha and otherwise "~". Rows that got worse by more than the
// threshold are marked, then listed, then the warnings follow.
func (c *Comparison) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old: %s\nnew: %s\n", c.Old.Path, c.New.Path)
	fmt.Fprintf(&b, "Medians ± 95%% confidence interval; the change is shown when a "+
		"Mann-Whitney U test gives p < %.2f, else ~.\n", benchmath.DefaultThresholds.CompareAlpha)
	fmt.Fprintf(&b, "Worse: a rise of more than %s with p < %.2f in %s.\n",
		thresholdText(c.Threshold), benchmath.DefaultThresholds.CompareAlpha,
		strings.Join(Gated, ", "))

	unit := ""
	var tw *tabwriter.Writer
	for _, r := range c.Rows {
		if r.Unit != unit {
			if tw != nil {
				tw.Flush()
			}
			unit = r.Unit
			fmt.Fprintf(&b, "\n%s\n", unit)
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "scenario\told\tnew\tvs old\n")
		}
		delta := "~"
		if r.Cmp.P < r.Cmp.Alpha {
			delta = pctText(r.Change)
		}
		mark := ""
		if r.Worse {
			mark = "  worse"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)%s\n", shortName(r.Scenario),
			unitValue(r.Unit, r.Old), unitValue(r.Unit, r.New), delta, r.Cmp, mark)
	}
	if tw != nil {
		tw.Flush()
	}

	if worse := c.Worse(); len(worse) > 0 {
		fmt.Fprintf(&b, "\nWorse by more than %s:\n", thresholdText(c.Threshold))
		for _, r := range worse {
			fmt.Fprintf(&b, "  %s of %s: %s (p=%.3f)\n", r.Unit, r.Scenario,
				pctText(r.Change), r.Cmp.P)
		}
	}
	if len(c.Warnings) > 0 {
		fmt.Fprintf(&b, "\nWarnings:\n")
		for _, w := range c.Warnings {
			fmt.Fprintf(&b, "  %s\n", w)
		}
	}
	return b.Bytes()
}

// unitValue formats a summary in its unit with an SI prefix.
func unitValue(unit string, s benchmath.Summary) string {
	var v string
	switch {
	case strings.HasPrefix(unit, "sec/") || strings.Contains(unit, "-sec"):
		v = benchunit.Scale(s.Center, benchunit.Decimal) + "s"
	case strings.HasPrefix(unit, "B/") || strings.HasSuffix(unit, "-B/op"):
		v = benchunit.Scale(s.Center, benchunit.Binary) + "B"
	default:
		v = benchunit.Scale(s.Center, benchunit.Decimal)
	}
	return v + " ± " + s.PctRangeString()
}

func pctText(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+∞%"
	case math.IsInf(v, -1):
		return "-∞%"
	}
	return fmt.Sprintf("%+.2f%%", v)
}

func thresholdText(t float64) string { return fmt.Sprintf("%.4g%%", t*100) }
