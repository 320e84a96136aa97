package model

import "time"

// SnapshotInfo is a loaded snapshot's identity: two networks with the same Hash were read
// from the same bytes, so their answers are interchangeable.
type SnapshotInfo struct {
	// Hash is the lower-case hex SHA-256 over the files read, in order of their names
	// relative to the -s argument each came from (a directory's files by their path inside it,
	// a file by its base name, standard input as "-"): for each, that name, a NUL byte and the
	// SHA-256 of its bytes. Where the snapshot lies on disk does not change it; a renamed or
	// edited file does. "" when the network was not read from files.
	Hash string
	// LoadedAt is when reading began.
	LoadedAt time.Time
	// Sources are the files read into the network, as named on the command line
	// (directories expanded), in load order.
	Sources []string
}
