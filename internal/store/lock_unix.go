//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrInUse is returned by LockExclusive while another process (or connection) has the
// database open.
var ErrInUse = errors.New("the database is in use (a loket server is running on it): stop it first")

// lockShared takes a shared lock on path+".lock" for as long as the returned file is
// open: every process that opens a SQLite database holds one, so that `loket restore`
// can tell the database is in use.
func lockShared(path string) (*os.File, error) {
	f, err := flockFile(path, syscall.LOCK_SH)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, fmt.Errorf("open database %s: a restore is replacing it: try again when it is done", path)
	}
	return f, err
}

// LockExclusive takes path+".lock" for this process alone, without waiting: it fails
// with ErrInUse while anyone has the database open. Close the file to release it.
func LockExclusive(path string) (*os.File, error) {
	f, err := flockFile(path, syscall.LOCK_EX)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, ErrInUse
	}
	return f, err
}

// flockFile opens path+".lock" and locks it how (LOCK_SH or LOCK_EX) without waiting.
func flockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, err
		}
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	return f, nil
}

// tryLock reports whether f could be locked exclusively at once (and leaves it so):
// false while a process writing it holds its lock.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
