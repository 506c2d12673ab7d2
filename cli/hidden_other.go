//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package cli

import (
	"bufio"
	"os"
)

// readHidden reads one line from f; this system's terminal echo cannot be
// turned off here, so the token is shown as it is typed.
func readHidden(f *os.File) (string, error) {
	return bufio.NewReader(f).ReadString('\n')
}
