package control

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// IO is a process's I/O through system calls since it started, from
// Linux's /proc/self/io: every read and write on sockets, pipes and
// files, whatever reached a disk or not.
type IO struct {
	ReadCalls  int64 `json:"read_syscalls"`
	WriteCalls int64 `json:"write_syscalls"`
	ReadBytes  int64 `json:"read_bytes"`
	WriteBytes int64 `json:"write_bytes"`
}

// Sub returns the I/O done since an earlier reading.
func (i IO) Sub(old IO) IO {
	return IO{i.ReadCalls - old.ReadCalls, i.WriteCalls - old.WriteCalls,
		i.ReadBytes - old.ReadBytes, i.WriteBytes - old.WriteBytes}
}

// Calls is the number of read and write system calls.
func (i IO) Calls() int64 { return i.ReadCalls + i.WriteCalls }

// ProcessIO reads this process's I/O counts. It returns nil, with no
// error, where /proc/self/io does not exist (outside Linux, or in some
// containers): the figures are then unavailable, not zero.
func ProcessIO() (*IO, error) {
	fields, err := readProc("/proc/self/io")
	if fields == nil || err != nil {
		return nil, err
	}
	return &IO{ReadCalls: fields["syscr"], WriteCalls: fields["syscw"],
		ReadBytes: fields["rchar"], WriteBytes: fields["wchar"]}, nil
}

// Memory is a process's resident memory, from /proc/self/status.
type Memory struct {
	RSS     int64 `json:"rss_bytes"`
	PeakRSS int64 `json:"peak_rss_bytes"`
}

// ProcessMemory reads this process's resident set size and its peak, or
// nil where /proc/self/status does not exist.
func ProcessMemory() (*Memory, error) {
	fields, err := readProc("/proc/self/status")
	if fields == nil || err != nil {
		return nil, err
	}
	// The kernel gives these two in kB.
	return &Memory{RSS: fields["VmRSS"] << 10, PeakRSS: fields["VmHWM"] << 10}, nil
}

// readProc reads the numeric fields of a /proc file, or returns nil with
// no error where the file does not exist or may not be read.
func readProc(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) || os.IsPermission(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	fields, err := procFields(data)
	if err != nil {
		return nil, fmt.Errorf("control: %s: %w", path, err)
	}
	return fields, nil
}

// procFields reads "name: number [unit]" lines, skipping the others.
func procFields(data []byte) (map[string]int64, error) {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			continue // not a number: a field this package does not use
		}
		out[string(name)] = n
	}
	return out, sc.Err()
}

// OpenFiles counts this process's open file descriptors, or returns -1
// where /proc/self/fd does not exist.
func OpenFiles() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // the descriptor ReadDir itself held open
}
