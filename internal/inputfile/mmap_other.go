//go:build !unix

package inputfile

import (
	"errors"
	"os"
)

func mapFile(*os.File, int) ([]byte, error) { return nil, errors.New("no mmap") }

func dontNeed([]byte) {}
