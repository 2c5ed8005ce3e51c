//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package results

import "golang.org/x/sys/unix"

func uname() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}
