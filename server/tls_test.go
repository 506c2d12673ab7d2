package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/server"
)

// MustSelfSigned writes a self-signed certificate for 127.0.0.1 and its key
// in dir and returns their paths and a pool that trusts the certificate.
func MustSelfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "medperf test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pool := MustSelfSigned(t, dir)
	s, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, TLSCert: certPath, TLSKey: keyPath, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	c, _ := client.New(s.URL(), "", &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}})
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatalf("version over TLS: %v", err)
	}
	t.Run("a certificate without its key is refused", func(t *testing.T) {
		_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLSCert: certPath, Logger: discard()})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	t.Run("an unreadable certificate is refused", func(t *testing.T) {
		_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLSCert: keyPath, TLSKey: keyPath, Logger: discard()})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
}

func TestPlainHTTPOnANonLoopbackAddressWarns(t *testing.T) {
	var logs bytes.Buffer
	s, err := server.Open(context.Background(), server.Config{Addr: "0.0.0.0:0", DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "plain HTTP") {
		t.Fatalf("no warning:\n%s", logs.String())
	}
}

func TestServerOnPostgres(t *testing.T) {
	ts := medperftest.NewServer(t, medperftest.WithPostgres(t))
	if code, _ := get(t, ts.URL()+"/readyz"); code != 200 {
		t.Fatal(code)
	}
	medperftest.CheckConcurrentWrites(t, ts.World(t))
}
