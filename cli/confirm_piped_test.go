package cli

import (
	"io"
	"strings"
	"testing"
)

// TestConfirmerReadsPipedAnswersInOrder guards what a tutorial user met:
// `result submit` asks once per result, and answers piped on stdin
// ("y\ny\ny\n") were read by the first question's buffer, so the second
// question saw end of input and nothing more was sent.
func TestConfirmerReadsPipedAnswersInOrder(t *testing.T) {
	e := &env{stdin: strings.NewReader("y\nyes\nn\ny\n"), stdout: io.Discard, stderr: io.Discard}
	ask := e.confirmer(false)
	want := []bool{true, true, false, true, false} // the fifth question meets end of input: no
	for i, w := range want {
		got, err := ask("send?", []byte(`{"a":1}`))
		if err != nil {
			t.Fatalf("question %d: %v", i+1, err)
		}
		if got != w {
			t.Errorf("question %d: confirmed %v, want %v", i+1, got, w)
		}
	}
}
