package cube

import (
	"context"
	"errors"
	"testing"
)

func TestCheckPublicURL(t *testing.T) {
	for _, tt := range []struct {
		url     string
		refused bool
	}{
		{"http://127.0.0.1:8080/a.tar.gz", true},
		{"https://10.1.2.3/a.tar.gz", true},
		{"http://169.254.169.254/latest/meta-data", true},
		{"http://[::1]/x", true},
		{"http://[fe80::1]/x", true},
		{"http://localhost/x", true},
		{"https://8.8.8.8/x", false},
		{"https://[2001:4860:4860::8888]/x", false},
	} {
		err := CheckPublicURL(context.Background(), tt.url)
		var refused *AddressRefusedError
		if errors.As(err, &refused) != tt.refused || (!tt.refused && err != nil) {
			t.Errorf("CheckPublicURL(%s) = %v; refused want %v", tt.url, err, tt.refused)
		}
	}
	if err := CheckPublicURL(context.Background(), "http://%zz"); err == nil {
		t.Error("a URL that does not parse passed")
	}
}
