package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// mustEncode writes v as dt to memory.
func mustEncode(tb testing.TB, v *Volume, dt Datatype) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, v, dt); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// sample returns a small volume whose values fit every datatype.
func sample() *Volume {
	v := New([3]int{4, 3, 2}, [3]float64{1.5, 2, 2.5})
	for i := range v.Data {
		v.Data[i] = float32(i * 7 % 200)
	}
	return v
}

func TestRoundTrip(t *testing.T) {
	for _, dt := range []Datatype{Uint8, Int16, Float32} {
		for _, name := range []string{"v.nii", "v.nii.gz"} {
			t.Run(dt.String()+" "+name+" reads back what was written", func(t *testing.T) {
				v := sample()
				if dt == Float32 {
					v.Data[5] = -3.25
				}
				path := filepath.Join(t.TempDir(), name)
				if err := WriteFile(path, v, dt); err != nil {
					t.Fatal(err)
				}
				got, err := ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if got.Dims != v.Dims || got.Voxel != v.Voxel {
					t.Errorf("dims %v voxel %v, want %v %v", got.Dims, got.Voxel, v.Dims, v.Voxel)
				}
				if !equal(got.Data, v.Data) {
					t.Errorf("data %v, want %v", got.Data, v.Data)
				}
			})
		}
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGzipFileIsCompressed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.nii.gz")
	if err := WriteFile(path, sample(), Uint8); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("file does not start with the gzip magic: % x", b[:2])
	}
}

// TestHeaderLayout checks the written header against the NIfTI-1 offsets.
func TestHeaderLayout(t *testing.T) {
	b := mustEncode(t, sample(), Int16)
	le := binary.LittleEndian
	f32 := func(off int) float32 { return math.Float32frombits(le.Uint32(b[off:])) }
	checks := []struct {
		name      string
		got, want any
	}{
		{"sizeof_hdr at 0", le.Uint32(b[0:]), uint32(348)},
		{"dim[0] at 40", le.Uint16(b[40:]), uint16(3)},
		{"dim[1] at 42", le.Uint16(b[42:]), uint16(4)},
		{"dim[2] at 44", le.Uint16(b[44:]), uint16(3)},
		{"dim[3] at 46", le.Uint16(b[46:]), uint16(2)},
		{"datatype at 70", le.Uint16(b[70:]), uint16(4)},
		{"bitpix at 72", le.Uint16(b[72:]), uint16(16)},
		{"pixdim[1] at 80", f32(80), float32(1.5)},
		{"pixdim[2] at 84", f32(84), float32(2)},
		{"pixdim[3] at 88", f32(88), float32(2.5)},
		{"vox_offset at 108", f32(108), float32(352)},
		{"scl_slope at 112", f32(112), float32(1)},
		{"scl_inter at 116", f32(116), float32(0)},
		{"magic at 344", string(b[344:348]), "n+1\x00"},
		{"extension flag at 348", string(b[348:352]), "\x00\x00\x00\x00"},
		{"file size", len(b), 352 + 4*3*2*2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// putF32 sets a float32 header field of a little-endian file.
func putF32(b []byte, off int, x float32) {
	binary.LittleEndian.PutUint32(b[off:], math.Float32bits(x))
}

func TestScalingIsHonoured(t *testing.T) {
	b := mustEncode(t, sample(), Int16)
	putF32(b, offSclSlope, 0.5)
	putF32(b, offSclInter, -10)
	v, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range sample().Data {
		if want := x*0.5 - 10; v.Data[i] != want {
			t.Fatalf("voxel %d = %v, want %v", i, v.Data[i], want)
		}
	}
}

func TestZeroSlopeMeansUnscaled(t *testing.T) {
	b := mustEncode(t, sample(), Uint8)
	putF32(b, offSclSlope, 0)
	putF32(b, offSclInter, 99)
	v, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !equal(v.Data, sample().Data) {
		t.Errorf("data %v, want unscaled %v", v.Data, sample().Data)
	}
}

// bigEndian converts a little-endian file written by Write (datatype dt) to
// big endian, field by field.
func bigEndian(b []byte, dt Datatype) []byte {
	out := bytes.Clone(b)
	swap := func(off, size int) {
		for i := 0; i < size/2; i++ {
			out[off+i], out[off+size-1-i] = out[off+size-1-i], out[off+i]
		}
	}
	swap(0, 4)
	for i := 0; i < 8; i++ {
		swap(offDim+2*i, 2)
		swap(offPixdim+4*i, 4)
	}
	for _, off := range []int{offDatatype, offBitpix, offQformCode, offSformCode} {
		swap(off, 2)
	}
	for _, off := range []int{offVoxOffset, offSclSlope, offSclInter} {
		swap(off, 4)
	}
	size := dt.bitpix() / 8
	for off := singleFileOff; off < len(out); off += size {
		swap(off, size)
	}
	return out
}

func TestBigEndianRead(t *testing.T) {
	for _, dt := range []Datatype{Uint8, Int16, Float32} {
		t.Run(dt.String()+" reads the same values", func(t *testing.T) {
			b := bigEndian(mustEncode(t, sample(), dt), dt)
			if binary.BigEndian.Uint32(b) != 348 {
				t.Fatal("conversion did not swap sizeof_hdr")
			}
			v, err := Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if v.Dims != sample().Dims || v.Voxel != sample().Voxel || !equal(v.Data, sample().Data) {
				t.Errorf("got %v %v %v", v.Dims, v.Voxel, v.Data)
			}
		})
	}
}

func TestReadOtherDatatypes(t *testing.T) {
	b := mustEncode(t, sample(), Float32)
	le := binary.LittleEndian
	t.Run("int32 reads as integers", func(t *testing.T) {
		c := bytes.Clone(b)
		le.PutUint16(c[offDatatype:], uint16(Int32))
		for i, x := range sample().Data {
			le.PutUint32(c[singleFileOff+4*i:], uint32(int32(x)))
		}
		v, err := Read(bytes.NewReader(c))
		if err != nil || !equal(v.Data, sample().Data) {
			t.Fatalf("got %v, %v", v, err)
		}
	})
	t.Run("float64 reads as floats", func(t *testing.T) {
		c := append(bytes.Clone(b[:singleFileOff]), make([]byte, 8*len(sample().Data))...)
		le.PutUint16(c[offDatatype:], uint16(Float64))
		le.PutUint16(c[offBitpix:], 64)
		for i, x := range sample().Data {
			le.PutUint64(c[singleFileOff+8*i:], math.Float64bits(float64(x)))
		}
		v, err := Read(bytes.NewReader(c))
		if err != nil || !equal(v.Data, sample().Data) {
			t.Fatalf("got %v, %v", v, err)
		}
	})
}

func TestReadRefusesBadInput(t *testing.T) {
	good := mustEncode(t, sample(), Int16)
	le := binary.LittleEndian
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty input", nil},
		{"short header", good[:100]},
		{"wrong sizeof_hdr", mutate(func(b []byte) { le.PutUint32(b, 540) })},
		{"wrong magic", mutate(func(b []byte) { copy(b[offMagic:], "xyz\x00") })},
		{"pair magic ni1", mutate(func(b []byte) { copy(b[offMagic:], "ni1\x00") })},
		{"NIfTI-2 magic", mutate(func(b []byte) { copy(b[offMagic:], "n+2\x00") })},
		{"unsupported datatype rgb", mutate(func(b []byte) { le.PutUint16(b[offDatatype:], 128); le.PutUint16(b[offBitpix:], 24) })},
		{"unsupported datatype complex", mutate(func(b []byte) { le.PutUint16(b[offDatatype:], 32); le.PutUint16(b[offBitpix:], 64) })},
		{"bitpix does not match datatype", mutate(func(b []byte) { le.PutUint16(b[offBitpix:], 8) })},
		{"dim[0] zero", mutate(func(b []byte) { le.PutUint16(b[offDim:], 0) })},
		{"dim[0] eight", mutate(func(b []byte) { le.PutUint16(b[offDim:], 8) })},
		{"negative dimension", mutate(func(b []byte) { le.PutUint16(b[offDim+2:], 0xffff) })},
		{"4D volume", mutate(func(b []byte) { le.PutUint16(b[offDim:], 4); le.PutUint16(b[offDim+8:], 2) })},
		{"huge volume", mutate(func(b []byte) {
			for i := 1; i <= 3; i++ {
				le.PutUint16(b[offDim+2*i:], 30000)
			}
		})},
		{"zero voxel size", mutate(func(b []byte) { putF32(b, offPixdim+4, 0) })},
		{"NaN voxel size", mutate(func(b []byte) { putF32(b, offPixdim+8, float32(math.NaN())) })},
		{"vox_offset inside the header", mutate(func(b []byte) { putF32(b, offVoxOffset, 100) })},
		{"fractional vox_offset", mutate(func(b []byte) { putF32(b, offVoxOffset, 352.5) })},
		{"vox_offset beyond the file", mutate(func(b []byte) { putF32(b, offVoxOffset, 4096) })},
		{"infinite slope", mutate(func(b []byte) { putF32(b, offSclSlope, float32(math.Inf(1))) })},
		{"NaN intercept", mutate(func(b []byte) { putF32(b, offSclInter, float32(math.NaN())) })},
		{"truncated data", good[:len(good)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.in))
			if code := medperf.ErrorCode(err); code != medperf.CodeInvalid {
				t.Errorf("code %q (err %v), want invalid", code, err)
			}
		})
	}
}

func TestEveryTruncationIsAnError(t *testing.T) {
	good := mustEncode(t, sample(), Float32)
	for n := 0; n < len(good); n++ {
		if _, err := Read(bytes.NewReader(good[:n])); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("prefix of %d bytes: err %v, want invalid", n, err)
		}
	}
}

func TestReadFileRefusesCorruptGzip(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mustEncode(t, sample(), Uint8))
	zw.Close()
	corrupt := bytes.Clone(gz.Bytes())
	corrupt[len(corrupt)/2] ^= 0xff
	files := map[string][]byte{
		"plain.nii.gz":     mustEncode(t, sample(), Uint8),
		"corrupt.nii.gz":   corrupt,
		"truncated.nii.gz": gz.Bytes()[:gz.Len()/2],
	}
	for name, b := range files {
		t.Run(name+" is invalid", func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadFile(path); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
		})
	}
	t.Run("missing file is not found", func(t *testing.T) {
		if _, err := ReadFile(filepath.Join(dir, "none.nii")); medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Errorf("err %v, want not_found", err)
		}
	})
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		v    *Volume
		dt   Datatype
	}{
		{"unsupported datatype", sample(), Float64},
		{"value above uint8", func() *Volume { v := sample(); v.Data[0] = 256; return v }(), Uint8},
		{"negative uint8", func() *Volume { v := sample(); v.Data[0] = -1; return v }(), Uint8},
		{"value above int16", func() *Volume { v := sample(); v.Data[0] = 40000; return v }(), Int16},
		{"NaN value", func() *Volume { v := sample(); v.Data[0] = float32(math.NaN()); return v }(), Float32},
		{"data length mismatch", &Volume{Dims: [3]int{2, 2, 2}, Voxel: [3]float64{1, 1, 1}, Data: make([]float32, 7)}, Float32},
		{"zero dimension", &Volume{Dims: [3]int{0, 2, 2}, Voxel: [3]float64{1, 1, 1}}, Float32},
		{"negative voxel size", &Volume{Dims: [3]int{1, 1, 1}, Voxel: [3]float64{1, -1, 1}, Data: []float32{0}}, Float32},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid and writes nothing", func(t *testing.T) {
			dir := t.TempDir()
			err := WriteFile(filepath.Join(dir, "v.nii.gz"), tt.v, tt.dt)
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %d files behind", len(entries))
			}
		})
	}
}

// FuzzRead checks that no input makes Read panic, and that whatever it
// accepts is consistent and survives a round trip through Write.
func FuzzRead(f *testing.F) {
	f.Add(mustEncode(f, sample(), Uint8))
	f.Add(mustEncode(f, sample(), Float32))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Read(bytes.NewReader(b))
		if err != nil {
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("error code %q for bad input", medperf.ErrorCode(err))
			}
			return
		}
		if len(v.Data) != v.Len() {
			t.Fatalf("%d values for dims %v", len(v.Data), v.Dims)
		}
		for _, x := range v.Data {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return // cannot be written back; reading it was enough
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, v, Float32); err != nil {
			t.Fatalf("cannot write back an accepted volume: %v", err)
		}
		w, err := Read(&buf)
		if err != nil || w.Dims != v.Dims || !equal(w.Data, v.Data) {
			t.Fatalf("round trip changed the volume: %v", err)
		}
	})
}
