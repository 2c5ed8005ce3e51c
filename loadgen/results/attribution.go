package results

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/mtlsbench/gomicro-mtls/loadgen/attrib"
)

// AttributionRow is one side of one scenario's CPU time per call by
// category, from its CPU profile over every repetition.
type AttributionRow struct {
	Scenario string `json:"scenario"`
	Side     string `json:"side"`
	Calls    int64  `json:"calls"`
	Samples  int64  `json:"profile_samples"`
	// PerCallNs maps each category to nanoseconds of CPU per call.
	PerCallNs map[string]float64 `json:"cpu_per_call_ns"`
}

var sides = []string{"client", "server"}

// attribute divides each scenario's CPU profiles into categories and
// renders attribution.txt: the table of CPU per call by category against
// the plaintext baseline, and ready pprof commands to compare profiles.
func (w *Writer) attribute() ([]AttributionRow, []byte, error) {
	calls := map[string]int64{}
	base := map[string]string{}
	for _, s := range w.samples {
		if !s.Interrupted {
			calls[s.Scenario] += s.Calls
			if s.Baseline != "" {
				base[s.Scenario] = s.Baseline
			}
		}
	}
	breakdown := func(scenario, side string) (attrib.Breakdown, bool, error) {
		p, ok := w.profs[FileName(scenario)+"."+side+".cpu.pprof"]
		if !ok {
			return attrib.Breakdown{}, false, nil
		}
		b, err := attrib.Categorize(p)
		if err != nil {
			return b, false, fmt.Errorf("results: %s %s profile: %w", scenario, side, err)
		}
		return b, true, nil
	}

	var rows []AttributionRow
	var table []attrib.Row
	for _, side := range sides {
		for _, name := range w.order {
			b, ok, err := breakdown(name, side)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				continue
			}
			row := attrib.Row{Scenario: name, Side: side, Breakdown: b, Calls: calls[name]}
			if bn, has := base[name]; has {
				if bb, ok, err := breakdown(bn, side); err != nil {
					return nil, nil, err
				} else if ok {
					row.Baseline = &attrib.Baseline{Scenario: bn, Breakdown: bb,
						Calls: calls[bn]}
				}
			}
			table = append(table, row)
			rows = append(rows, jsonRow(row))
		}
	}
	if len(table) == 0 {
		return nil, nil, nil
	}

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Where the CPU time goes: each side's CPU profile, over every "+
		"repetition, divided by category.\n\n")
	if err := attrib.Table(&buf, table); err != nil {
		return nil, nil, err
	}
	var files []string
	for f := range w.profs {
		files = append(files, f)
	}
	sort.Strings(files)
	if cmds := attrib.DiffCommands(w.ProfileDir, attrib.DiffPairs(files)); len(cmds) > 0 {
		fmt.Fprintf(&buf, "\nTo see the difference between two profiles function by "+
			"function (add -normalize\nto compare shapes, since the two made different "+
			"numbers of calls):\n\n")
		for _, c := range cmds {
			fmt.Fprintf(&buf, "  %s\n", c)
		}
	}
	return rows, buf.Bytes(), nil
}

func jsonRow(r attrib.Row) AttributionRow {
	per := r.Breakdown.PerOp(r.Calls)
	out := AttributionRow{Scenario: r.Scenario, Side: r.Side, Calls: r.Calls,
		Samples: r.Breakdown.Samples, PerCallNs: map[string]float64{}}
	for c := attrib.Category(0); c < attrib.NumCategories; c++ {
		out.PerCallNs[c.String()] = float64(per.CPU[c].Nanoseconds())
	}
	out.PerCallNs["total"] = float64(per.Total.Nanoseconds())
	return out
}
