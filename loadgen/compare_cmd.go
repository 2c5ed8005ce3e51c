package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mtlsbench/gomicro-mtls/loadgen/report"
)

// runCompare compares two runs' bench.txt and fails when a figure where
// lower is better got significantly worse by more than -threshold.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	threshold := fs.String("threshold", "5%", "largest rise of a figure where lower is "+
		"better that is not called worse,\nin percent")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen compare OLD NEW [-threshold 5%%]\n\n"+
			"Compares two runs, each a run directory or a bench.txt file, scenario by\n"+
			"scenario and unit by unit, as benchstat does: medians with 95%% confidence\n"+
			"intervals, and the change when a Mann-Whitney U test gives p < 0.05.\n\n"+
			"Exit status 1 when a figure where lower is better (%s)\n"+
			"rose by more than -threshold with p < 0.05; 0 otherwise; 2 for bad input.\n"+
			"resumed-handshakes/op is shown but never fails the comparison: it rises when\n"+
			"resumptions replace full handshakes, which is better, and when they replace\n"+
			"pooled connections, which is worse.\n\n"+
			"Warnings, which do not change the exit status, follow the table: fewer than 6\n"+
			"samples on a side, or runs whose %s differ.\n\n"+
			"Example:\n  loadgen compare results/20260101-120000 results/20260102-120000 "+
			"-threshold 10%%\n\nFlags:\n", strings.Join(report.Gated, ", "),
			strings.Join(report.EnvKeys, ", "))
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) != 2 {
		return usagef("compare: want OLD and NEW, got %d arguments", len(paths))
	}
	t, err := parseThreshold(*threshold)
	if err != nil {
		return usagef("compare: -threshold: %v", err)
	}

	old, err := report.ReadBench(paths[0])
	if err != nil {
		return usageError{fmt.Errorf("compare: OLD: %w", err)}
	}
	cur, err := report.ReadBench(paths[1])
	if err != nil {
		return usageError{fmt.Errorf("compare: NEW: %w", err)}
	}
	c := report.Compare(old, cur, t)
	if len(c.Rows) == 0 {
		return usagef("compare: %s and %s have no scenario and unit in common", old.Path,
			cur.Path)
	}
	stdout.Write(c.Text())

	worse := c.Worse()
	if len(worse) == 0 {
		return nil
	}
	names := make([]string, len(worse))
	for i, r := range worse {
		names[i] = fmt.Sprintf("%s of %s", r.Unit, r.Scenario)
	}
	return fmt.Errorf("compare: %d figures worse by more than %s: %s", len(worse),
		*threshold, strings.Join(names, "; "))
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseThreshold reads a percentage such as 5% or 2.5 (meaning 2.5%) as
// a fraction.
func parseThreshold(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 1000 {
		return 0, fmt.Errorf("%q: want a percentage from 0%% to 1000%%, such as 5%%", s)
	}
	return v / 100, nil
}
