package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/mtlsbench/gomicro-mtls/loadgen/report"
)

// runReport writes report.md, its PNG charts and report.html into a run
// directory.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadgen report RUN-DIR\n\n"+
			"Writes into RUN-DIR, a directory a run wrote under -results:\n"+
			"  report.md          environment, flags, overhead against plaintext with 95%%\n"+
			"                     confidence intervals and p-values, and the charts\n"+
			"  report-*.png       the charts report.md links to\n"+
			"  report.html        the same in one self-contained page, charts as SVG\n\n"+
			"The same run directory always gives the same files.\n\n"+
			"Example:\n  loadgen report results/20260101-120000\n")
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{fmt.Errorf("report: %w", err)}
	}
	if fs.NArg() != 1 {
		return usagef("report: want one run directory, got %d arguments", fs.NArg())
	}
	dir := fs.Arg(0)

	run, err := report.Load(dir)
	if err != nil {
		return usageError{err}
	}
	rep, err := report.Build(run)
	if err != nil {
		return err
	}
	paths, err := rep.Write(dir)
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}
