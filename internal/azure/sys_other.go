//go:build !unix

package azure

import (
	"io/fs"
	"os"
)

// fileID identifies a directory; where the OS gives no inode, finder falls back to os.SameFile.
type fileID struct{ dev, ino uint64 }

func fileIDOf(fs.FileInfo) (fileID, bool) { return fileID{}, false }

// readFile returns the bytes of the regular file at path, at most max of them.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: ioMsg(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &InputError{File: path, Msg: ioMsg(err)}
	}
	if err := notRegular(path, st.Mode()); err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooBig(path, max)
	}
	return readAll(path, f, st.Size(), max, true)
}
