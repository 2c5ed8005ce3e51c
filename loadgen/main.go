// Command loadgen measures what mutual TLS costs a go-micro v2 service.
//
// It drives real go-micro RPCs against an echo server over plaintext, TLS
// and mutual TLS, with TLS session resumption and go-micro's connection
// pool on and off, and records for every scenario a latency histogram,
// the handshakes both ends counted, CPU time per call on each side, and
// CPU profiles. Each TLS scenario is then compared with the plaintext one
// with the same pooling, with benchstat's statistics.
//
// Usage:
//
//	loadgen                 run the core matrix (same as "loadgen matrix")
//	loadgen matrix [flags]  run a matrix of scenarios with repetitions
//	loadgen run [flags]     run one scenario
//	loadgen sweep [flags]   find each transport's capacity under a latency objective
//	loadgen serve [flags]   run the echo server on its own
//	loadgen certs -out DIR  write a test CA, server and client certificate
//	loadgen verify [flags]  check that a running endpoint really does mutual TLS
//	loadgen report RUN-DIR  write report.md and report.html into a run directory
//	loadgen compare OLD NEW compare two runs; exit 1 when a figure got worse
//
// "loadgen COMMAND -h" lists a command's flags.
//
// By default the echo server runs in a child process started from this
// same binary, one per transport, so client and server CPU time and
// profiles stay apart. -target loads a server that is already running
// instead.
//
// Exit status: 0 when the run completed, 1 when it failed while running,
// 2 for bad flags or input files, 130 when interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, the next one gets the default action:
	// the process ends at once.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError marks bad flags or input: exit status 2.
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errInterrupted means a signal stopped the run: exit status 130.
var errInterrupted = errors.New("interrupted")

func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errInterrupted):
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 130
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "loadgen: %v\n", err)
	return 1
}

// run runs the command named by args[0], or the core matrix when there is
// none.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "matrix"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "matrix":
		return runMatrix(ctx, args, stdout, stderr)
	case "run":
		return runOne(ctx, args, stdout, stderr)
	case "sweep":
		return runSweep(ctx, args, stdout, stderr)
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "certs":
		return certs(args, stdout, stderr)
	case "report":
		return runReport(args, stdout, stderr)
	case "compare":
		return runCompare(args, stdout, stderr)
	case "verify":
		return verify(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usagef("unknown command %q (valid: matrix, run, sweep, serve, certs, report, "+
		"compare, verify)", cmd)
}

const usage = `loadgen measures what mutual TLS costs a go-micro v2 service.

Commands:
  loadgen                 run the core matrix (same as "loadgen matrix")
  loadgen matrix [flags]  run a matrix of scenarios with repetitions
  loadgen run [flags]     run one scenario
  loadgen sweep [flags]   find each transport's capacity under a latency objective
  loadgen serve [flags]   run the echo server on its own
  loadgen certs -out DIR  write a test CA, server and client certificate
  loadgen verify [flags]  check that a running endpoint really does mutual TLS
  loadgen report RUN-DIR  write report.md and report.html into a run directory
  loadgen compare OLD NEW compare two runs; exit 1 when a figure got worse

"loadgen COMMAND -h" lists a command's flags.
`
