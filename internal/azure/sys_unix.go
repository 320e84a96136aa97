//go:build unix

package azure

import (
	"io"
	"io/fs"
	"syscall"
)

// fileID identifies a directory by device and inode, so a symlink loop is read once.
type fileID struct{ dev, ino uint64 }

func fileIDOf(st fs.FileInfo) (fileID, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(s.Dev), uint64(s.Ino)}, true
}

// readFile returns the bytes of the regular file at path, at most max of them. It calls the
// system directly (open, fstat, read, close): for a snapshot of 10,000 small files, os.File's
// extra calls (poller registration, a second read to see the end) cost more than the parse.
// Opening never blocks (O_NONBLOCK), even on a FIFO that replaced the file since expand
// looked at it; fstat then rejects what is not a regular file.
func readFile(path string, max int64) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &InputError{File: path, Msg: ioMsg(&fs.PathError{Op: "open", Path: path, Err: err})}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &InputError{File: path, Msg: "fstat: " + err.Error()}
	}
	if err := notRegular(path, modeOf(uint32(st.Mode))); err != nil {
		return nil, err
	}
	if st.Size > max {
		return nil, tooBig(path, max)
	}
	return readAll(path, fdReader(fd), st.Size, max, true)
}

// fdReader reads a file descriptor; a read short of the buffer is the end of a regular file.
type fdReader int

func (r fdReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(r), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Err: err}
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// modeOf converts the type bits of a stat mode to an fs.FileMode.
func modeOf(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFREG:
		return 0
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	}
	return fs.ModeIrregular
}
