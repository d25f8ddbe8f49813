//go:build unix && !linux

package inputfile

const populate = 0
