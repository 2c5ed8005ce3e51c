package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
)

func runMatrix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newBenchFlags("matrix", stderr, 6)
	matrix := f.fs.String("matrix", "core", "which scenarios (see the list above)")
	f.fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n", usage)
		fmt.Fprintf(stderr, "Usage: loadgen [matrix] [flags]\n\n"+
			"Runs every scenario of a matrix -count times, interleaved, against echo servers\n"+
			"in child processes, and writes bench.txt, summary.json, a .hgrm histogram per\n"+
			"scenario, comparison.txt and CPU profiles under a new run directory.\n\n"+
			"Matrices (-matrix):\n")
		for _, m := range runner.Matrices {
			fmt.Fprintf(stderr, "  %-9s %s\n", m.Name, m.About)
		}
		fmt.Fprintf(stderr, "\nFlags:\n")
		f.fs.PrintDefaults()
	}
	if err := parse(f.fs, args); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	scs, err := runner.FindMatrix(*matrix)
	if err != nil {
		return usagef("matrix: -matrix: %v", err)
	}
	if f.certs != "" && *matrix == "keys" {
		return usagef("matrix: -matrix keys makes certificates of every key type; " +
			"it cannot use -certs")
	}

	srv, err := startServers(f, scs, "", stderr)
	if err != nil {
		return err
	}
	defer srv.close()
	return measure(ctx, f, o, scs, srv, "", args, stdout, stderr)
}
