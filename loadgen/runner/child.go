package runner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mtlsbench/gomicro-mtls/loadgen/control"
)

// Ready is the line a server process prints on its standard output once
// it serves: where to send RPCs and where its control server listens.
type Ready struct {
	RPC     string `json:"rpc"`
	Control string `json:"control"`
}

// An Endpoint is a server to load: its RPC address and, when it has one,
// a control client for its handshake counts, CPU time and profiles.
type Endpoint struct {
	Addr    string
	Control *control.Client
	// Lost, when not nil, is closed if the server's process exits.
	Lost <-chan struct{}
}

// A Child is a server running in a child process. The child exits when
// its standard input closes, so it cannot outlive the load generator.
type Child struct {
	Endpoint
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited, once exited is closed
}

// startTimeout bounds how long a child may take to print its Ready line.
const startTimeout = 20 * time.Second

// Spawn starts argv as a child process and waits for its Ready line.
// The child's standard error is passed to stderr.
func Spawn(argv []string, stderr io.Writer) (*Child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = stderr
	// A process group of its own keeps a terminal's Ctrl-C from the
	// child: the load generator decides when it stops, and still needs it
	// to read the final counts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("runner: starting server: %w", err)
	}
	c := &Child{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	c.Lost = c.exited

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
		c.err = cmd.Wait()
		close(c.exited)
	}()

	var line string
	select {
	case l, ok := <-lines:
		if !ok {
			<-c.exited
			return nil, fmt.Errorf("runner: server exited before it was ready: %v", c.err)
		}
		line = l
	case <-time.After(startTimeout):
		c.Close()
		return nil, fmt.Errorf("runner: server not ready after %v", startTimeout)
	}
	var r Ready
	if err := json.Unmarshal([]byte(line), &r); err != nil || r.RPC == "" {
		c.Close()
		return nil, fmt.Errorf("runner: server printed %q instead of its addresses",
			strings.TrimSpace(line))
	}
	c.Addr = r.RPC
	if r.Control != "" {
		c.Control = control.NewClient(r.Control)
	}
	return c, nil
}

// Close asks the child to exit by closing its standard input, and kills
// it if it has not exited within five seconds.
func (c *Child) Close() error {
	c.stdin.Close()
	select {
	case <-c.exited:
		var ee *exec.ExitError
		if errors.As(c.err, &ee) {
			return fmt.Errorf("runner: server exited: %w", c.err)
		}
		return c.err
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return errors.New("runner: server did not exit within 5s and was killed")
	}
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }
