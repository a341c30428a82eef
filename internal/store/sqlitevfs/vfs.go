// Package sqlitevfs gathers the writes SQLite makes to its write-ahead log into one
// system call per commit.
//
// SQLite writes each WAL frame in two pwrite calls, its 24-byte header and its page, so
// a commit of 300 pages is 600 system calls before its fsync. On the development
// machine a pwrite costs about 3 µs, most of it the call itself: at full intake the one
// writer spent a quarter of its time there (issue 21). The VFS registered here, Name,
// is SQLite's own "unix" VFS with one change: writes to a WAL file that follow one
// another are copied into a buffer and written together, before anything that could
// need them on the file:
//
//   - the WAL file's sync, read, size, truncate, file control, fetch and close;
//   - a write that does not continue the buffer, or does not fit in it;
//   - the main database file's shared-memory barrier and lock calls, which SQLite
//     makes before it publishes new frames to other connections and when it ends a
//     write transaction.
//
// So the file holds, in the same order, every byte SQLite wrote before SQLite could
// depend on it being there. A commit is still on disk when it is acknowledged: with
// synchronous=FULL SQLite syncs the WAL at each commit, and the sync writes the buffer
// first. A crash loses at most what was buffered and not synced, which is what SQLite
// expects any crash to lose. Every other file and call goes to the "unix" VFS unchanged.
// Open it with synchronous=FULL, as the store does: its reasoning above rests on the
// sync at every commit.
//
// The shim is written against modernc.org/sqlite's translated C: methods are Go
// functions stored as C function pointers, and files live in C memory.
package sqlitevfs

import (
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Name is the VFS to name in a DSN (vfs=...) once Register has run.
const Name = "loket-wal"

// bufSize is the most a WAL file holds back before writing: about 250 frames of 4 KiB
// pages, a large commit; a larger one is written in parts.
const bufSize = 1 << 20

// maxWrite is the most flush writes in one call: the "unix" VFS writes at most 128 KiB
// less a byte in one (it masks the length with 0x1ffff).
const maxWrite = 0x1f000

// file is the head of each file opened through the VFS, in C memory; the "unix" VFS's
// own file follows at innerOff.
type file struct {
	methods uintptr // *sqlite3_io_methods: ours
	wal     int64   // 1 for a WAL file, whose writes are gathered
	buf     uintptr // the gathered bytes (C memory, bufSize), or 0
	n       int64   // bytes gathered
	off     int64   // the file offset of buf[0]
	peer    uintptr // a WAL file's main database file, and the other way round
}

const innerOff = (unsafe.Sizeof(file{}) + 15) &^ 15

var (
	once    sync.Once
	errReg  error
	unixVFS uintptr // the "unix" sqlite3_vfs
	methods uintptr // our sqlite3_io_methods, in C memory
	writes  atomic.Int64
	flushes atomic.Int64
)

// ErrNoUnixVFS says SQLite has no "unix" VFS to wrap on this system (Windows).
var ErrNoUnixVFS = errors.New("sqlitevfs: SQLite has no \"unix\" VFS here")

// Register registers the VFS with SQLite, once; later calls return the first's error.
func Register() error {
	once.Do(func() { errReg = register() })
	return errReg
}

// Stats returns how many WAL writes SQLite asked for and how many were made.
func Stats() (asked, made int64) { return writes.Load(), flushes.Load() }

func register() error {
	tls := libc.NewTLS()
	defer tls.Close()
	name, err := libc.CString("unix")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, name)
	unixVFS = sqlite3.Xsqlite3_vfs_find(tls, name)
	if unixVFS == 0 {
		return ErrNoUnixVFS
	}
	u := (*sqlite3.Tsqlite3_vfs)(ptr(unixVFS))
	v := libc.Xmalloc(tls, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	m := libc.Xmalloc(tls, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	zName, err := libc.CString(Name)
	if v == 0 || m == 0 || err != nil {
		return errors.New("sqlitevfs: out of memory")
	}
	vfs := (*sqlite3.Tsqlite3_vfs)(ptr(v))
	*vfs = *u
	vfs.FpNext = 0
	vfs.FzName = zName
	vfs.FszOsFile = int32(innerOff) + u.FszOsFile
	vfs.FxOpen = fp(&struct {
		f func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32
	}{xOpen})
	methods = m
	*(*sqlite3.Tsqlite3_io_methods)(ptr(m)) = sqlite3.Tsqlite3_io_methods{
		FiVersion: 3,
		FxClose: fp(&struct {
			f func(*libc.TLS, uintptr) int32
		}{xClose}),
		FxRead: fp(&struct {
			f func(*libc.TLS, uintptr, uintptr, int32, int64) int32
		}{xRead}),
		FxWrite: fp(&struct {
			f func(*libc.TLS, uintptr, uintptr, int32, int64) int32
		}{xWrite}),
		FxTruncate: fp(&struct {
			f func(*libc.TLS, uintptr, int64) int32
		}{xTruncate}),
		FxSync: fp(&struct {
			f func(*libc.TLS, uintptr, int32) int32
		}{xSync}),
		FxFileSize: fp(&struct {
			f func(*libc.TLS, uintptr, uintptr) int32
		}{xFileSize}),
		FxLock: fp(&struct {
			f func(*libc.TLS, uintptr, int32) int32
		}{xLock}),
		FxUnlock: fp(&struct {
			f func(*libc.TLS, uintptr, int32) int32
		}{xUnlock}),
		FxCheckReservedLock: fp(&struct {
			f func(*libc.TLS, uintptr, uintptr) int32
		}{xCheckReservedLock}),
		FxFileControl: fp(&struct {
			f func(*libc.TLS, uintptr, int32, uintptr) int32
		}{xFileControl}),
		FxSectorSize: fp(&struct {
			f func(*libc.TLS, uintptr) int32
		}{xSectorSize}),
		FxDeviceCharacteristics: fp(&struct {
			f func(*libc.TLS, uintptr) int32
		}{xDeviceCharacteristics}),
		FxShmMap: fp(&struct {
			f func(*libc.TLS, uintptr, int32, int32, int32, uintptr) int32
		}{xShmMap}),
		FxShmLock: fp(&struct {
			f func(*libc.TLS, uintptr, int32, int32, int32) int32
		}{xShmLock}),
		FxShmBarrier: fp(&struct {
			f func(*libc.TLS, uintptr)
		}{xShmBarrier}),
		FxShmUnmap: fp(&struct {
			f func(*libc.TLS, uintptr, int32) int32
		}{xShmUnmap}),
		FxFetch: fp(&struct {
			f func(*libc.TLS, uintptr, int64, int32, uintptr) int32
		}{xFetch}),
		FxUnfetch: fp(&struct {
			f func(*libc.TLS, uintptr, int64, uintptr) int32
		}{xUnfetch}),
	}
	if rc := sqlite3.Xsqlite3_vfs_register(tls, v, 0); rc != sqlite3.SQLITE_OK {
		return errors.New("sqlitevfs: sqlite3_vfs_register failed")
	}
	return nil
}

// fp is the C function pointer of the Go function in *s (a struct of one func field),
// as modernc.org's translated C stores one.
func fp[S any](s *S) uintptr { return *(*uintptr)(unsafe.Pointer(s)) }

func head(p uintptr) *file { return (*file)(ptr(p)) }

// ptr is the C address p as a pointer, for memory that C code hands over (SQLite's
// files and buffers, libc's allocations), which Go's collector does not manage.
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// inner is the "unix" VFS's file inside ours, and innerIO its methods.
func inner(p uintptr) uintptr { return p + innerOff }

func innerIO(p uintptr) *sqlite3.Tsqlite3_io_methods {
	return (*sqlite3.Tsqlite3_io_methods)(ptr((*sqlite3.Tsqlite3_file)(ptr(inner(p))).FpMethods))
}

func xOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	*head(pFile) = file{}
	u := (*sqlite3.Tsqlite3_vfs)(ptr(unixVFS))
	(*sqlite3.Tsqlite3_file)(ptr(inner(pFile))).FpMethods = 0
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{u.FxOpen})))(
		tls, unixVFS, zName, inner(pFile), flags, pOutFlags)
	rm := (*sqlite3.Tsqlite3_file)(ptr(inner(pFile))).FpMethods
	if rm == 0 {
		return rc
	}
	f := head(pFile)
	f.methods = methods
	if (*sqlite3.Tsqlite3_io_methods)(ptr(rm)).FiVersion < 3 {
		// Not the "unix" VFS's methods as this package knows them: close, and say so.
		xClose(tls, pFile)
		f.methods = 0
		return sqlite3.SQLITE_CANTOPEN
	}
	if rc == sqlite3.SQLITE_OK && flags&sqlite3.SQLITE_OPEN_WAL != 0 && zName != 0 {
		f.wal = 1
		// The main database file this WAL belongs to: opened through this VFS too, its
		// shared-memory calls write what the WAL holds back.
		if db := sqlite3.Xsqlite3_database_file_object(tls, zName); db != 0 && head(db).methods == methods {
			f.peer, head(db).peer = db, pFile
		}
	}
	return rc
}

// innerWrite writes through the "unix" VFS's file inside p.
func innerWrite(tls *libc.TLS, p, buf uintptr, n int32, off int64) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxWrite})))(tls, inner(p), buf, n, off)
}

// flush writes what the WAL file p holds back; on failure it keeps what is not
// written, to try again.
func flush(tls *libc.TLS, p uintptr) int32 {
	f := head(p)
	var done int64
	for done < f.n {
		n := min(f.n-done, maxWrite)
		rc := innerWrite(tls, p, f.buf+uintptr(done), int32(n), f.off+done)
		if rc != sqlite3.SQLITE_OK {
			b := unsafe.Slice((*byte)(ptr(f.buf)), f.n)
			f.n = int64(copy(b, b[done:]))
			f.off += done
			return rc
		}
		flushes.Add(1)
		done += n
	}
	f.n = 0
	return sqlite3.SQLITE_OK
}

func xWrite(tls *libc.TLS, p, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	f := head(p)
	if f.wal == 0 {
		return innerWrite(tls, p, zBuf, iAmt, iOfst)
	}
	writes.Add(1)
	n := int64(iAmt)
	if f.n > 0 && (f.off+f.n != iOfst || f.n+n > bufSize) {
		if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if f.buf == 0 && n < bufSize {
		f.buf = libc.Xmalloc(tls, bufSize)
	}
	if f.buf == 0 || n >= bufSize {
		flushes.Add(1)
		return innerWrite(tls, p, zBuf, iAmt, iOfst)
	}
	if f.n == 0 {
		f.off = iOfst
	}
	copy(unsafe.Slice((*byte)(ptr(f.buf+uintptr(f.n))), n), unsafe.Slice((*byte)(ptr(zBuf)), n))
	f.n += n
	return sqlite3.SQLITE_OK
}

// flushPeer writes what the WAL of the main database file p holds back.
func flushPeer(tls *libc.TLS, p uintptr) int32 {
	if f := head(p); f.wal == 0 && f.peer != 0 {
		return flush(tls, f.peer)
	}
	return sqlite3.SQLITE_OK
}

func xClose(tls *libc.TLS, p uintptr) int32 {
	f := head(p)
	rc := flush(tls, p)
	if f.peer != 0 {
		head(f.peer).peer = 0
		f.peer = 0
	}
	if f.buf != 0 {
		libc.Xfree(tls, f.buf)
		f.buf, f.n = 0, 0
	}
	if r := (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxClose})))(tls, inner(p)); rc == sqlite3.SQLITE_OK {
		rc = r
	}
	return rc
}

func xRead(tls *libc.TLS, p, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxRead})))(
		tls, inner(p), zBuf, iAmt, iOfst)
}

func xTruncate(tls *libc.TLS, p uintptr, size int64) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxTruncate})))(tls, inner(p), size)
}

func xSync(tls *libc.TLS, p uintptr, flags int32) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxSync})))(tls, inner(p), flags)
}

func xFileSize(tls *libc.TLS, p, pSize uintptr) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxFileSize})))(tls, inner(p), pSize)
}

func xLock(tls *libc.TLS, p uintptr, lock int32) int32 {
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxLock})))(tls, inner(p), lock)
}

func xUnlock(tls *libc.TLS, p uintptr, lock int32) int32 {
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxUnlock})))(tls, inner(p), lock)
}

func xCheckReservedLock(tls *libc.TLS, p, pResOut uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxCheckReservedLock})))(tls, inner(p), pResOut)
}

func xFileControl(tls *libc.TLS, p uintptr, op int32, pArg uintptr) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxFileControl})))(tls, inner(p), op, pArg)
}

func xSectorSize(tls *libc.TLS, p uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxSectorSize})))(tls, inner(p))
}

func xDeviceCharacteristics(tls *libc.TLS, p uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxDeviceCharacteristics})))(tls, inner(p))
}

func xShmMap(tls *libc.TLS, p uintptr, iPg, pgsz, bExtend int32, pp uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, int32, int32, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxShmMap})))(
		tls, inner(p), iPg, pgsz, bExtend, pp)
}

// xShmLock writes the WAL's held-back bytes before the lock changes: before a write
// transaction's lock is released, another connection may become the writer.
//
// An unlock must not fail: SQLite does not look at its result, and a lock left held
// stops every other connection. If the write fails then, what the WAL holds back is
// dropped instead: with synchronous=FULL a commit's frames were written and synced
// before it returned, so all that can be left is a rolled-back transaction's.
func xShmLock(tls *libc.TLS, p uintptr, offset, n, flags int32) int32 {
	if rc := flushPeer(tls, p); rc != sqlite3.SQLITE_OK {
		if flags&sqlite3.SQLITE_SHM_UNLOCK == 0 {
			return rc
		}
		head(head(p).peer).n = 0
	}
	return (*(*func(*libc.TLS, uintptr, int32, int32, int32) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxShmLock})))(
		tls, inner(p), offset, n, flags)
}

// xShmBarrier writes the WAL's held-back bytes before SQLite publishes new frames in
// the shared memory. It cannot report a failure; the bytes stay held and the WAL's
// next call (its sync at the latest) writes them or fails.
func xShmBarrier(tls *libc.TLS, p uintptr) {
	flushPeer(tls, p)
	(*(*func(*libc.TLS, uintptr))(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxShmBarrier})))(tls, inner(p))
}

func xShmUnmap(tls *libc.TLS, p uintptr, deleteFlag int32) int32 {
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxShmUnmap})))(tls, inner(p), deleteFlag)
}

func xFetch(tls *libc.TLS, p uintptr, iOfst int64, iAmt int32, pp uintptr) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxFetch})))(
		tls, inner(p), iOfst, iAmt, pp)
}

func xUnfetch(tls *libc.TLS, p uintptr, iOfst int64, ptr uintptr) int32 {
	return (*(*func(*libc.TLS, uintptr, int64, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{innerIO(p).FxUnfetch})))(tls, inner(p), iOfst, ptr)
}
