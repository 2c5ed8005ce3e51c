package results

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/cpu"
)

// Env is the machine and build a run was measured on. Its JSON names
// are those summary.json uses, or would use for fields its header does
// not record yet; a zero field means "not recorded".
type Env struct {
	// CPU is the processor's model name, from /proc/cpuinfo.
	CPU string `json:"cpu,omitempty"`
	// NumCPU is the number of logical CPUs the process may use,
	// runtime.NumCPU.
	NumCPU int `json:"num_cpu,omitempty"`
	// GOMAXPROCS is runtime.GOMAXPROCS(0) when the run started.
	GOMAXPROCS int    `json:"gomaxprocs,omitempty"`
	GOOS       string `json:"goos,omitempty"`
	GOARCH     string `json:"goarch,omitempty"`
	// Kernel is the operating system's release, as uname -r prints it.
	Kernel    string `json:"kernel,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
	// GoMicro is the version of github.com/micro/go-micro/v2 built in.
	GoMicro string `json:"go_micro_version,omitempty"`
	// AES says whether the processor has AES instructions, which make
	// AES-GCM cheap; nil where Go's CPU feature detection cannot tell.
	AES *bool `json:"aes_hardware,omitempty"`
	// Commit is this suite's VCS revision, with "+dirty" when the tree
	// had changes; empty when the binary was built without VCS stamping
	// (go run, go test, -buildvcs=false).
	Commit string `json:"commit,omitempty"`
}

// Environment describes the machine and the binary it runs in. It reads
// /proc/cpuinfo and the kernel release where they exist and leaves what
// it cannot find empty.
func Environment() Env {
	e := Env{
		CPU:        cpuModel(),
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		Kernel:     kernelRelease(),
		GoVersion:  runtime.Version(),
		AES:        hasAES(),
	}
	e.Commit = gitCommit()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/micro/go-micro/v2" {
				e.GoMicro = d.Version
			}
		}
		var rev, dirty string
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "+dirty"
			}
		}
		if rev != "" && e.Commit == "" {
			e.Commit = rev + dirty
		}
	}
	return e
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// kernelRelease reads Linux's release string, or asks uname elsewhere.
func kernelRelease() string {
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		return strings.TrimSpace(string(data))
	}
	return uname()
}

func hasAES() *bool {
	var v bool
	switch runtime.GOARCH {
	case "amd64", "386":
		v = cpu.X86.HasAES
	case "arm64":
		v = cpu.ARM64.HasAES
	case "s390x":
		v = cpu.S390X.HasAES
	default:
		return nil
	}
	return &v
}

// gitCommit returns the revision of the git checkout the command runs
// in, as "go run ./loadgen" is run from this suite's checkout, with
// "+dirty" when it has changes; empty when there is no checkout or no
// git. Binaries built with VCS stamping carry their revision anyway.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").
		Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		rev += "+dirty"
	}
	return rev
}
